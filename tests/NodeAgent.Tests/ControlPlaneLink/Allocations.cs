using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>Builders for allocations and observed containers in the link's unit tests.</summary>
internal static class Allocations
{
    public static Allocation Web(string id, long revision = 1, string image = "registry.test/httpd:1.0", int hostPort = 20001)
    {
        var allocation = new Allocation
        {
            AllocationId = id,
            Workload = "web",
            Revision = revision,
            Image = image,
            Resources = new NodeCapacity { MilliCpu = 250, MemoryBytes = 64L << 20, Pids = 128 },
            RestartPolicy = "always",
        };
        allocation.Ports.Add(new PortBinding { Name = "http", ContainerPort = 8000, HostPort = hostPort, Protocol = "tcp" });
        return allocation;
    }

    public static ObservedContainer Container(
        Allocation allocation, ContainerState state = ContainerState.Running, long? revision = null, string? name = null,
        RestartPolicyKind policy = RestartPolicyKind.Always, int exitCode = 0, bool stoppedByUser = false, string? error = null) => new()
        {
            Id = "c-" + allocation.AllocationId + "-" + (revision ?? allocation.Revision),
            Name = name ?? allocation.AllocationId,
            AllocationId = allocation.AllocationId,
            Revision = revision ?? allocation.Revision,
            State = state,
            RestartPolicy = policy,
            ExitCode = exitCode,
            StoppedByUser = stoppedByUser,
            Error = error,
        };

    public static ReconcileInput Input(
        IReadOnlyList<Allocation> desired, IReadOnlyList<ObservedContainer> containers, bool imagePresent = true) => new()
        {
            Desired = desired,
            Containers = containers,
            HasImage = _ => imagePresent,
            Now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
        };
}

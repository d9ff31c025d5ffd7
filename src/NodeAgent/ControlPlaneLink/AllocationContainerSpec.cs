using System.Globalization;
using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Turns an allocation into the run options of its container.</summary>
public static class AllocationContainerSpec
{
    /// <param name="allocation">The replica to run.</param>
    /// <param name="processorCount">The host's CPUs: a CPU limit above them is capped.</param>
    /// <param name="stopTimeout">The grace between the stop signal and SIGKILL when the replica is removed.</param>
    public static ContainerSpec From(Allocation allocation, int processorCount, TimeSpan stopTimeout)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var resources = allocation.Resources ?? new NodeCapacity();
        return new ContainerSpec
        {
            Name = allocation.AllocationId,
            Image = allocation.Image,
            // The workload's command is the whole command line (Kubernetes' "command"), not arguments to
            // the image's entrypoint: an image such as httpd:1.0 has one, and appending would break it.
            Entrypoint = allocation.Command.Count > 0 ? [.. allocation.Command] : null,
            Env = [.. allocation.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")],
            Memory = resources.MemoryBytes,
            NanoCpus = Math.Min(resources.MilliCpu * 1_000_000L, processorCount * 1_000_000_000L),
            PidsLimit = resources.Pids,
            RestartPolicy = RestartPolicyOf(allocation.RestartPolicy),
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [AllocationLabels.Workload] = allocation.Workload,
                [AllocationLabels.Allocation] = allocation.AllocationId,
                [AllocationLabels.Revision] = allocation.Revision.ToString(CultureInfo.InvariantCulture),
            },
            Mounts = [.. allocation.Volumes.Select(v => new MountSpec(MountKind.Volume, VolumeName(allocation.Workload, v.Name), v.MountPath))],
            NetworkMode = "bridge",
            Ports = [.. allocation.Ports.Select(p => new PortMapping(null, p.HostPort, p.ContainerPort, ProtocolOf(p.Protocol)))],
            StopTimeout = (int)Math.Ceiling(stopTimeout.TotalSeconds),
        };
    }

    /// <summary>The workload spec's policy names (always | on-failure | never) in the engine's terms.</summary>
    public static RestartPolicy RestartPolicyOf(string policy) => policy switch
    {
        "never" or "no" => RestartPolicy.No,
        "on-failure" => new RestartPolicy(RestartPolicyKind.OnFailure),
        _ => new RestartPolicy(RestartPolicyKind.Always),
    };

    /// <summary>A workload's named volume on this host, shared by its replicas here.</summary>
    public static string VolumeName(string workload, string volume) => $"{workload}_{volume}";

    private static PortProtocol ProtocolOf(string protocol) =>
        string.Equals(protocol, "udp", StringComparison.OrdinalIgnoreCase) ? PortProtocol.Udp : PortProtocol.Tcp;
}

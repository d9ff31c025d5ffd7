using Flotilla.Contracts.Agent;
using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Grains;
using Google.Protobuf.WellKnownTypes;

namespace Flotilla.ControlPlane.Agents;

/// <summary>Turns grain records into agent-protocol messages and back.</summary>
public static class AllocationMapper
{
    public static AllocationSet ToProto(NodeAllocationSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var message = new AllocationSet { NodeId = set.NodeId, Version = set.Version };
        message.Allocations.AddRange(set.Allocations.Select(ToProto));
        return message;
    }

    public static Allocation ToProto(AllocationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var spec = WorkloadSpecParser.Parse(record.SpecJson).Spec
            ?? throw new InvalidOperationException($"allocation {record.AllocationId} carries a spec that no longer parses");
        var allocation = new Allocation
        {
            AllocationId = record.AllocationId,
            Workload = record.Workload,
            Revision = record.Revision,
            Image = spec.Image ?? string.Empty,
            Resources = new NodeCapacity { MilliCpu = record.Resources.MilliCpu, MemoryBytes = record.Resources.MemoryBytes, Pids = record.Resources.Pids },
            RestartPolicy = spec.Restart?.Policy ?? WorkloadDefaults.RestartPolicy,
        };
        allocation.Command.AddRange(spec.Command ?? []);
        foreach (var (key, value) in spec.Env ?? new Dictionary<string, string>())
        {
            allocation.Env[key] = value;
        }

        foreach (var port in record.Ports)
        {
            allocation.Ports.Add(new PortBinding
            {
                Name = port.Key,
                ContainerPort = port.ContainerPort,
                HostPort = record.HostPorts.GetValueOrDefault(port.Key),
                Protocol = port.Protocol,
            });
        }

        if (spec.Health?.Http is { } http && record.Ports.FirstOrDefault(p => p.Key == http.Port) is { } healthPort)
        {
            _ = Quantity.TryParseDuration(spec.Health.Interval ?? "10s", out var interval);
            _ = Quantity.TryParseDuration(spec.Health.Timeout ?? "1s", out var timeout);
            allocation.Health = new HealthCheck
            {
                HttpPath = http.Path ?? "/",
                ContainerPort = healthPort.ContainerPort,
                HostPort = record.HostPorts.GetValueOrDefault(healthPort.Key),
                IntervalMs = (int)interval.TotalMilliseconds,
                TimeoutMs = (int)timeout.TotalMilliseconds,
                Retries = spec.Health.Retries ?? 3,
            };
        }

        allocation.Volumes.AddRange((spec.Volumes ?? []).Select(v => new VolumeMount { Name = v.Name, MountPath = v.Mount }));
        return allocation;
    }

    public static ReplicaReport FromProto(AllocationStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new ReplicaReport
        {
            AllocationId = status.AllocationId,
            Phase = status.Phase switch
            {
                AllocationPhase.Pulling => ReplicaPhase.Pulling,
                AllocationPhase.Starting => ReplicaPhase.Starting,
                AllocationPhase.Running => ReplicaPhase.Running,
                AllocationPhase.Exited => ReplicaPhase.Exited,
                AllocationPhase.Failed => ReplicaPhase.Failed,
                AllocationPhase.Stopped => ReplicaPhase.Stopped,
                _ => ReplicaPhase.Assigned,
            },
            HostPorts = new Dictionary<string, int>(status.HostPorts),
            ExitCode = status.ExitCode,
            Message = status.Message,
            Health = status.Health switch
            {
                HealthState.Healthy => ReplicaHealth.Healthy,
                HealthState.Unhealthy => ReplicaHealth.Unhealthy,
                _ => ReplicaHealth.Unknown,
            },
            ObservedAt = status.ObservedAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow,
        };
    }

    public static Timestamp? ToTimestamp(DateTimeOffset? value) => value is { } v && v > DateTimeOffset.UnixEpoch ? Timestamp.FromDateTimeOffset(v) : null;
}

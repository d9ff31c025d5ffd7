using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Scheduling;

/// <summary>What the scheduler knows of one node at the moment it decides: a snapshot, never live state.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeCandidate
{
    [Id(0)] public required string NodeId { get; init; }
    [Id(1)] public required bool Ready { get; init; }
    [Id(2)] public Dictionary<string, string> Labels { get; init; } = [];
    [Id(3)] public required ResourceRequest Capacity { get; init; }
    [Id(4)] public ResourceRequest Allocated { get; init; }
    [Id(5)] public HashSet<int> UsedHostPorts { get; init; } = [];
    [Id(6)] public int FreeDynamicPorts { get; init; }
    [Id(7)] public Dictionary<string, int> ReplicasByWorkload { get; init; } = [];

    public ResourceRequest Free => Capacity - Allocated;

    public int ReplicasOf(string workload) => ReplicasByWorkload.GetValueOrDefault(workload);

    /// <summary>This node as it will be once <paramref name="request"/> is placed on it.</summary>
    public NodeCandidate WithPlaced(PlacementRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var replicas = new Dictionary<string, int>(ReplicasByWorkload);
        replicas[request.Workload] = replicas.GetValueOrDefault(request.Workload) + 1;
        var ports = new HashSet<int>(UsedHostPorts);
        ports.UnionWith(request.FixedHostPorts);
        return this with
        {
            Allocated = Allocated + request.Resources,
            UsedHostPorts = ports,
            FreeDynamicPorts = FreeDynamicPorts - request.DynamicPorts,
            ReplicasByWorkload = replicas,
        };
    }

    /// <summary>Share of capacity in use, 0..1, averaged over cpu and memory.</summary>
    public double Utilization(ResourceRequest extra)
    {
        var used = Allocated + extra;
        var cpu = Capacity.MilliCpu > 0 ? (double)used.MilliCpu / Capacity.MilliCpu : 1;
        var memory = Capacity.MemoryBytes > 0 ? (double)used.MemoryBytes / Capacity.MemoryBytes : 1;
        return (cpu + memory) / 2;
    }
}

using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Grains;

/// <summary>One replica placed on a node: what the node's agent must run. The spec travels as canonical JSON.</summary>
[GenerateSerializer, Immutable]
public sealed record AllocationRecord
{
    [Id(0)] public required string AllocationId { get; init; }
    [Id(1)] public required string Workload { get; init; }
    [Id(2)] public required long Revision { get; init; }
    [Id(3)] public required string SpecJson { get; init; }
    [Id(4)] public required ResourceRequest Resources { get; init; }
    [Id(5)] public List<PortClaim> Ports { get; init; } = [];
    /// <summary>Host port per port key, filled in by the node when it accepts the allocation.</summary>
    [Id(6)] public Dictionary<string, int> HostPorts { get; init; } = [];
}

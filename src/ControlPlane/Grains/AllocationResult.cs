using Flotilla.ControlPlane.Scheduling;

namespace Flotilla.ControlPlane.Grains;

/// <summary>A node's answer to a placement: accepted with its host ports, or refused with why and how the node looks now.</summary>
[GenerateSerializer, Immutable]
public sealed record AllocationResult
{
    [Id(0)] public required bool Accepted { get; init; }
    [Id(1)] public string? Reason { get; init; }
    [Id(2)] public string Address { get; init; } = string.Empty;
    [Id(3)] public Dictionary<string, int> HostPorts { get; init; } = [];
    [Id(4)] public NodeCandidate? Current { get; init; }
}

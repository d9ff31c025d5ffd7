namespace Flotilla.ControlPlane.Grains;

/// <summary>What an agent saw of one allocation.</summary>
[GenerateSerializer, Immutable]
public sealed record ReplicaReport
{
    [Id(0)] public required string AllocationId { get; init; }
    [Id(1)] public required ReplicaPhase Phase { get; init; }
    [Id(2)] public Dictionary<string, int> HostPorts { get; init; } = [];
    [Id(3)] public int ExitCode { get; init; }
    [Id(4)] public string? Message { get; init; }
    [Id(5)] public ReplicaHealth Health { get; init; }
    [Id(6)] public DateTimeOffset ObservedAt { get; init; }
}

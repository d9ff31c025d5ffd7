namespace Flotilla.ControlPlane.Grains;

/// <summary>A workload as the API shows it: desired vs actual, and where each replica runs.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkloadView
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public long Version { get; init; }
    [Id(2)] public long Revision { get; init; }
    [Id(3)] public string Status { get; init; } = "Active";
    [Id(4)] public int DesiredReplicas { get; init; }
    [Id(5)] public int RunningReplicas { get; init; }
    [Id(6)] public int PendingReplicas { get; init; }
    [Id(7)] public required string SpecJson { get; init; }
    [Id(8)] public List<ReplicaView> Replicas { get; init; } = [];
    [Id(9)] public List<EventRecord> Events { get; init; } = [];
    [Id(10)] public DateTimeOffset CreatedAt { get; init; }
    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }
}

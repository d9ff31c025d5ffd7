namespace Flotilla.ControlPlane.Grains;

/// <summary>A workload's persisted state: its spec, revisions, replicas and recent events.</summary>
[GenerateSerializer]
public sealed class WorkloadState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string SpecJson { get; set; } = string.Empty;
    [Id(2)] public long Version { get; set; }
    [Id(3)] public long Revision { get; set; }
    [Id(4)] public List<RevisionRecord> Revisions { get; set; } = [];
    [Id(5)] public List<ReplicaRecord> Replicas { get; set; } = [];
    [Id(6)] public List<EventRecord> Events { get; set; } = [];
    [Id(7)] public DateTimeOffset CreatedAt { get; set; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(9)] public long RouteSequence { get; set; }
}

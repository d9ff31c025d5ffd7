namespace Flotilla.ControlPlane.Grains;

/// <summary>One replica of a workload: where it was placed and what its agent last reported.</summary>
[GenerateSerializer]
public sealed class ReplicaRecord
{
    [Id(0)] public required string Id { get; set; }
    [Id(1)] public long Revision { get; set; }
    [Id(2)] public string? NodeId { get; set; }
    [Id(3)] public string? NodeAddress { get; set; }
    [Id(4)] public ReplicaPhase Phase { get; set; }
    [Id(5)] public string? Reason { get; set; }
    [Id(6)] public Dictionary<string, int> HostPorts { get; set; } = [];
    [Id(7)] public ReplicaHealth Health { get; set; }
    [Id(8)] public int ExitCode { get; set; }
    [Id(9)] public DateTimeOffset UpdatedAt { get; set; }
}

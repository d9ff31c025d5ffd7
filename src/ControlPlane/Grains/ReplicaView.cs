namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer, Immutable]
public sealed record ReplicaView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string? NodeId { get; init; }
    [Id(2)] public required string State { get; init; }
    [Id(3)] public string? Reason { get; init; }
    [Id(4)] public string? Address { get; init; }
    [Id(5)] public Dictionary<string, int> HostPorts { get; init; } = [];
    [Id(6)] public long Revision { get; init; }
    [Id(7)] public string Health { get; init; } = "Unknown";
}

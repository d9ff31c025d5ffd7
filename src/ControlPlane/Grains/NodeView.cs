using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Grains;

/// <summary>A node as the API shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Address { get; init; }
    [Id(2)] public required string State { get; init; }
    [Id(3)] public Dictionary<string, string> Labels { get; init; } = [];
    [Id(4)] public ResourceRequest Capacity { get; init; }
    [Id(5)] public ResourceRequest Allocated { get; init; }
    [Id(6)] public int Allocations { get; init; }
    [Id(7)] public string AgentVersion { get; init; } = string.Empty;
    [Id(8)] public DateTimeOffset? LastHeartbeat { get; init; }
    [Id(9)] public long DesiredVersion { get; init; }
    [Id(10)] public long AppliedVersion { get; init; }
    [Id(11)] public DateTimeOffset RegisteredAt { get; init; }
}

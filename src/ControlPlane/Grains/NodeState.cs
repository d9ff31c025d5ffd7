using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Grains;

/// <summary>A node's persisted state: its registration and its desired allocations with their version.</summary>
[GenerateSerializer]
public sealed class NodeState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Address { get; set; } = string.Empty;
    [Id(2)] public Dictionary<string, string> Labels { get; set; } = [];
    [Id(3)] public ResourceRequest Capacity { get; set; }
    [Id(4)] public string AgentVersion { get; set; } = string.Empty;
    [Id(5)] public int HostPortMin { get; set; }
    [Id(6)] public int HostPortMax { get; set; }
    /// <summary>SHA-256 of the node token; the token itself is never stored.</summary>
    [Id(7)] public string TokenHash { get; set; } = string.Empty;
    [Id(8)] public long Version { get; set; }
    [Id(9)] public Dictionary<string, AllocationRecord> Allocations { get; set; } = [];
    [Id(10)] public DateTimeOffset RegisteredAt { get; set; }
}

using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Grains;

/// <summary>What an agent says about its node when it joins.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeRegistration
{
    [Id(0)] public required string Address { get; init; }
    [Id(1)] public Dictionary<string, string> Labels { get; init; } = [];
    [Id(2)] public required ResourceRequest Capacity { get; init; }
    [Id(3)] public string AgentVersion { get; init; } = string.Empty;
    [Id(4)] public int HostPortMin { get; init; }
    [Id(5)] public int HostPortMax { get; init; }
}

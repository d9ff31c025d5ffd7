namespace Flotilla.Contracts.Specs;

/// <summary>What the agent does when a replica's process exits: always, on-failure or never.</summary>
public sealed record RestartSpec
{
    public string? Policy { get; init; }
}

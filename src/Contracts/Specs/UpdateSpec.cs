namespace Flotilla.Contracts.Specs;

/// <summary>How a new revision replaces the old one: extra replicas allowed, replicas allowed down.</summary>
public sealed record UpdateSpec
{
    public int? MaxSurge { get; init; }
    public int? MaxUnavailable { get; init; }
}

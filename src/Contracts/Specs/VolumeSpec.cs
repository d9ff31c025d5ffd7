namespace Flotilla.Contracts.Specs;

/// <summary>A named volume on the replica's node mounted at an absolute path.</summary>
public sealed record VolumeSpec
{
    public string? Name { get; init; }
    public string? Mount { get; init; }
}

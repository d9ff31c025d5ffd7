namespace Flotilla.Contracts.Specs;

/// <summary>A container port; the host port is chosen on placement unless <see cref="Host"/> pins one.</summary>
public sealed record PortSpec
{
    public string? Name { get; init; }
    public int? Container { get; init; }
    public int? Host { get; init; }
    public string? Protocol { get; init; }
}

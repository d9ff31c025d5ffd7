namespace Flotilla.Contracts.Specs;

/// <summary>What one replica reserves on its node: cpu in cores, memory as a quantity ("64Mi"), a pid limit.</summary>
public sealed record ResourceSpec
{
    public double? Cpu { get; init; }
    public string? Memory { get; init; }
    public int? Pids { get; init; }
}

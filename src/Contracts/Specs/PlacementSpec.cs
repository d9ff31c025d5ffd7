namespace Flotilla.Contracts.Specs;

/// <summary>
/// Where replicas may go and how nodes are ranked: <c>strategy</c> is spread or binpack,
/// <c>constraints</c> are label expressions ("zone == a"), <c>spreadBy</c> a label to balance across,
/// <c>distinctHosts</c> puts at most one replica on a node.
/// </summary>
public sealed record PlacementSpec
{
    public string? Strategy { get; init; }
    public IReadOnlyList<string>? Constraints { get; init; }
    public string? SpreadBy { get; init; }
    public bool? DistinctHosts { get; init; }
}

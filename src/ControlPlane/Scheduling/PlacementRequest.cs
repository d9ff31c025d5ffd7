using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Scheduling;

/// <summary>One replica to place: what it needs from a node and how the workload wants nodes ranked.</summary>
public sealed record PlacementRequest
{
    public required string Workload { get; init; }
    public required ResourceRequest Resources { get; init; }
    public IReadOnlyList<int> FixedHostPorts { get; init; } = [];
    public int DynamicPorts { get; init; }
    public IReadOnlyList<PlacementConstraint> Constraints { get; init; } = [];
    public PlacementStrategy Strategy { get; init; } = PlacementStrategy.Spread;
    public string? SpreadBy { get; init; }
    public bool DistinctHosts { get; init; }

    /// <summary>The request for one replica of a validated spec.</summary>
    public static PlacementRequest From(WorkloadSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var ports = spec.Ports ?? [];
        return new PlacementRequest
        {
            Workload = spec.Name!,
            Resources = ResourceRequest.From(spec.Resources),
            FixedHostPorts = [.. ports.Where(p => p.Host is not null).Select(p => p.Host!.Value)],
            DynamicPorts = ports.Count(p => p.Host is null),
            Constraints = [.. (spec.Placement?.Constraints ?? []).Select(c => PlacementConstraint.TryParse(c, out var parsed) ? parsed : throw new ArgumentException($"constraint '{c}' does not parse", nameof(spec)))],
            Strategy = spec.Placement?.Strategy == "binpack" ? PlacementStrategy.BinPack : PlacementStrategy.Spread,
            SpreadBy = spec.Placement?.SpreadBy,
            DistinctHosts = spec.Placement?.DistinctHosts ?? false,
        };
    }
}

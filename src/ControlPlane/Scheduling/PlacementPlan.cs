namespace Flotilla.ControlPlane.Scheduling;

/// <summary>Feasible nodes best first, or, when there are none, why.</summary>
public sealed record PlacementPlan(IReadOnlyList<string> RankedNodeIds, string? Reason)
{
    public bool IsFeasible => RankedNodeIds.Count > 0;
}

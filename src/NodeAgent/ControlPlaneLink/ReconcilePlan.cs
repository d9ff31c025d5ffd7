using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>What a reconcile pass decided: the steps to take and what to report for every desired allocation.</summary>
/// <param name="Actions">Removals first, then pulls, starts and creations.</param>
/// <param name="Statuses">One per desired allocation, in the desired set's order (no observed_at yet).</param>
/// <param name="HealthChecks">The running allocations whose health check should run, with their container.</param>
/// <param name="Converged">True when nothing is left to do: no action and no allocation waiting for a pull or a retry.</param>
public sealed record ReconcilePlan(
    IReadOnlyList<ReconcileAction> Actions,
    IReadOnlyList<AllocationStatus> Statuses,
    IReadOnlyList<HealthCheckTarget> HealthChecks,
    bool Converged);

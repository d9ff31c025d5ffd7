namespace Flotilla.ControlPlane.Grains;

/// <summary>What a create, update, scale or delete did, with the workload after it.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkloadCommandResult(
    [property: Id(0)] WorkloadOutcome Outcome,
    [property: Id(1)] WorkloadView? View,
    [property: Id(2)] string? Message = null);

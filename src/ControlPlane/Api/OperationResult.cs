using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Api;

/// <summary>A scheduling operation's result: the grain's outcome, or the spec's errors when it never got that far.</summary>
public sealed record OperationResult(WorkloadOutcome Outcome, WorkloadView? View, string? Message, IReadOnlyList<SpecError> Errors)
{
    public static OperationResult Invalid(IReadOnlyList<SpecError> errors) =>
        new(WorkloadOutcome.Invalid, null, string.Join("; ", errors), errors);

    public static OperationResult From(WorkloadCommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.Outcome, result.View, result.Message, []);
    }
}

namespace Flotilla.Contracts.Specs;

/// <summary>A parsed spec, or why there is none.</summary>
public sealed record SpecParseResult(WorkloadSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    public bool IsValid => Spec is not null && Errors.Count == 0;

    public static SpecParseResult Valid(WorkloadSpec spec) => new(spec, []);

    public static SpecParseResult Invalid(params SpecError[] errors) => new(null, errors);
}

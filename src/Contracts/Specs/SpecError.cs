namespace Flotilla.Contracts.Specs;

/// <summary>One thing wrong with a spec: the field's path ("resources.memory") and the rule it broke.</summary>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

namespace Flotilla.Cli.Parsing;

/// <summary>One option of a command: <c>--name</c>, an optional one-letter alias, and whether it takes a value.</summary>
internal sealed record OptionSpec(string Name, char? Short, string? ValueName, string Description, bool Repeatable = false)
{
    public bool TakesValue => ValueName is not null;

    public static OptionSpec Flag(string name, char? alias, string description) => new(name, alias, null, description);

    public static OptionSpec Value(string name, char? alias, string valueName, string description) => new(name, alias, valueName, description);

    public static OptionSpec Many(string name, char? alias, string valueName, string description) => new(name, alias, valueName, description, Repeatable: true);

    /// <summary>How the option reads in help: <c>-e, --env KEY=VALUE</c>.</summary>
    public string Signature =>
        (Short is { } s ? $"-{s}, " : "    ") + $"--{Name}" + (ValueName is null ? "" : $" {ValueName}");
}

using System.Globalization;

namespace Flotilla.Cli.Parsing;

/// <summary>A command line after parsing: the options given (by long name) and the positional arguments.</summary>
internal sealed class ParsedCommand(CommandSpec spec, IReadOnlyDictionary<string, List<string>> values, IReadOnlyList<string> arguments)
{
    public CommandSpec Spec { get; } = spec;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public bool Has(string name) => values.ContainsKey(name);

    public bool Flag(string name) => values.TryGetValue(name, out var given) && given[^1] != "false";

    public string? Value(string name) => values.TryGetValue(name, out var given) ? given[^1] : null;

    public IReadOnlyList<string> Values(string name) => values.TryGetValue(name, out var given) ? given : [];

    public int? Int(string name, int min = int.MinValue)
    {
        var text = Value(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= min
            ? number
            : throw new UsageException($"invalid value \"{text}\" for --{name}: expected a whole number{(min > int.MinValue ? $" of at least {min}" : "")}", Spec.Name);
    }

    /// <summary>-o/--output: table (the default) or json.</summary>
    public bool Json => (Value("output") ?? "table") switch
    {
        "json" => true,
        "table" => false,
        var other => throw new UsageException($"invalid output format \"{other}\": use table or json", Spec.Name),
    };
}

namespace Flotilla.Cli.Parsing;

/// <summary>
/// A verb: its name (one or two words, e.g. <c>volume ls</c>), what it does, its arguments and options.
/// <paramref name="StopAtFirstArgument"/> makes everything after the first positional belong to it
/// (<c>run IMAGE COMMAND --flags-of-the-command</c>), as docker does for run and exec.
/// </summary>
internal sealed record CommandSpec(
    string Name,
    string Summary,
    string Arguments,
    int MinArguments,
    int MaxArguments,
    IReadOnlyList<OptionSpec> Options,
    bool StopAtFirstArgument = false,
    string? Details = null)
{
    public const int Unbounded = int.MaxValue;

    public string Usage => $"flotilla {Name}{(Options.Count > 0 ? " [OPTIONS]" : "")}{(Arguments.Length > 0 ? " " + Arguments : "")}";
}

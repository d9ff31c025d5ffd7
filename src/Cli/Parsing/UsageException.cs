namespace Flotilla.Cli.Parsing;

/// <summary>The command line is wrong (unknown verb or flag, missing argument, bad value): exit code 2.</summary>
internal sealed class UsageException(string message, string? command = null) : Exception(message)
{
    /// <summary>The command whose help explains the mistake; null for the top level.</summary>
    public string? Command { get; } = command;
}

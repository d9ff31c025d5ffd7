namespace Flotilla.Cli;

/// <summary>A failure to report to the user in one line (no stack trace), with the exit code scripts see.</summary>
internal class CliException(string message, int exitCode = ExitCodes.Error) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

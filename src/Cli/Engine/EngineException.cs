namespace Flotilla.Cli.Engine;

/// <summary>The agent answered a request with an error status; <see cref="Exception.Message"/> is its message.</summary>
internal sealed class EngineException(int status, string message) : CliException(message)
{
    public int Status { get; } = status;
}

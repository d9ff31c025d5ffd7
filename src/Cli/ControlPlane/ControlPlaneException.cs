namespace Flotilla.Cli.ControlPlane;

/// <summary>The control plane refused a request (a ProblemDetails answer); the message names what was wrong.</summary>
internal sealed class ControlPlaneException(int status, string message) : CliException(message)
{
    public int Status { get; } = status;
}

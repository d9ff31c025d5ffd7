namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// A host port asked for is already published by another container or bound by another process,
/// or no free port is left in the range (a conflict, HTTP 409). Nothing was created.
/// </summary>
public sealed class PortInUseException : NetworkingException
{
    public PortInUseException()
    {
    }

    public PortInUseException(string message)
        : base(message)
    {
    }

    public PortInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

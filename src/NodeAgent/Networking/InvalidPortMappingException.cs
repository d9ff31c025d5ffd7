namespace Flotilla.NodeAgent.Networking;

/// <summary>A published port is malformed: a port outside 1-65535, an unknown protocol, a bad host address (a client error, HTTP 400).</summary>
public sealed class InvalidPortMappingException : NetworkingException
{
    public InvalidPortMappingException()
    {
    }

    public InvalidPortMappingException(string message)
        : base(message)
    {
    }

    public InvalidPortMappingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

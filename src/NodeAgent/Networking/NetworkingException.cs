namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// A container's network could not be set up or torn down. The message says what failed and, where
/// it helps, what to do; nothing is left half-created when <see cref="IContainerNetworking.AttachAsync"/> throws.
/// </summary>
public class NetworkingException : Exception
{
    public NetworkingException()
    {
    }

    public NetworkingException(string message)
        : base(message)
    {
    }

    public NetworkingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

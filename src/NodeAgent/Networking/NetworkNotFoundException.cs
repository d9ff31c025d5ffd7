namespace Flotilla.NodeAgent.Networking;

/// <summary>A container asked for a network this agent does not offer (HTTP 404, as Docker answers for an unknown network).</summary>
public sealed class NetworkNotFoundException : NetworkingException
{
    public NetworkNotFoundException()
    {
    }

    public NetworkNotFoundException(string message)
        : base(message)
    {
    }

    public NetworkNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exception for <paramref name="network"/>, naming the networks there are.</summary>
    public static NetworkNotFoundException For(string network) =>
        new($"network {network} not found: this agent offers bridge (the default), host and none");
}

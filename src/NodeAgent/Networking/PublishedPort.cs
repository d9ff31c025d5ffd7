namespace Flotilla.NodeAgent.Networking;

/// <summary>A port published for a container, with the host port resolved (what <c>docker ps</c> and NetworkSettings.Ports show).</summary>
/// <param name="HostIp">The host address the port listens on; <c>0.0.0.0</c> for every address.</param>
public sealed record PublishedPort(string HostIp, int HostPort, int ContainerPort, PortProtocol Protocol)
{
    /// <summary>Docker's key for NetworkSettings.Ports: <c>80/tcp</c>.</summary>
    public string ContainerPortKey => $"{ContainerPort}/{(Protocol == PortProtocol.Udp ? "udp" : "tcp")}";

    public override string ToString() => $"{HostIp}:{HostPort}->{ContainerPortKey}";
}

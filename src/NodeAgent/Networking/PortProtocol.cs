namespace Flotilla.NodeAgent.Networking;

/// <summary>The transport protocol of a published port.</summary>
public enum PortProtocol
{
    Tcp,
    Udp,
}

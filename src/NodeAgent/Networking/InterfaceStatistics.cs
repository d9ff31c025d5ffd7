namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// Counters of one interface in a container's network namespace, as the kernel reports them in
/// /proc/net/dev; published as <c>container_network_receive_bytes_total</c> and
/// <c>container_network_transmit_bytes_total</c> with an <c>interface</c> label.
/// </summary>
public sealed record InterfaceStatistics(
    string Interface,
    long ReceiveBytes,
    long ReceivePackets,
    long ReceiveErrors,
    long ReceiveDropped,
    long TransmitBytes,
    long TransmitPackets,
    long TransmitErrors,
    long TransmitDropped);

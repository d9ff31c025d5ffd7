namespace Flotilla.NodeAgent.Networking;

/// <summary>A container's network as set up by <see cref="IContainerNetworking.AttachAsync"/>.</summary>
/// <param name="ContainerId">The container it belongs to.</param>
/// <param name="Mode">The mode it was attached with.</param>
/// <param name="NetworkNamespacePath">
/// The bind-mounted network namespace to put into config.json as <c>{"type":"network","path":...}</c>;
/// null in host mode (the container then gets no network namespace entry and shares the agent's).
/// </param>
/// <param name="NetworkName">The network Docker reports the container on (<c>bridge</c>, <c>host</c>, <c>none</c> or a user network's name).</param>
/// <param name="IpAddress">The container's IPv4 address, or null for host and none.</param>
/// <param name="PrefixLength">The subnet's prefix length (Docker's IPPrefixLen); 0 without an address.</param>
/// <param name="Gateway">The bridge's address, the container's default route; null without an address.</param>
/// <param name="MacAddress">The container interface's MAC address; null without one.</param>
/// <param name="Ports">The published ports with their resolved host ports.</param>
/// <param name="HostsFile">The content for the container's /etc/hosts.</param>
/// <param name="HostnameFile">The content for the container's /etc/hostname.</param>
/// <param name="ResolvConf">The content for the container's /etc/resolv.conf.</param>
public sealed record NetworkAttachment(
    string ContainerId,
    NetworkMode Mode,
    string? NetworkNamespacePath,
    string NetworkName,
    string? IpAddress,
    int PrefixLength,
    string? Gateway,
    string? MacAddress,
    IReadOnlyList<PublishedPort> Ports,
    string HostsFile,
    string HostnameFile,
    string ResolvConf);

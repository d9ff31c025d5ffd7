namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// The network lifecycle hook of a container: attach before the runtime creates it, detach after it is
/// removed, reconcile once when the agent starts. Every call is idempotent and safe to repeat.
/// </summary>
public interface IContainerNetworking
{
    /// <summary>
    /// Creates the container's network namespace (bind-mounted under the agent's netns directory), a veth
    /// pair with one end on the bridge and the other as <c>eth0</c> with an address, default route and
    /// <c>lo</c> up, and the kernel rules publishing its ports. Attaching an id that is already attached
    /// returns the existing attachment.
    /// </summary>
    /// <exception cref="InvalidPortMappingException">A port or protocol is invalid, or ports are asked for in host or none mode.</exception>
    /// <exception cref="PortInUseException">A host port is taken; nothing was created.</exception>
    /// <exception cref="NetworkingException">The kernel refused a step; everything created so far was removed.</exception>
    Task<NetworkAttachment> AttachAsync(NetworkRequest request, CancellationToken cancellationToken);

    /// <summary>Removes the container's rules, veth pair and network namespace and frees its address and ports. Unknown ids are a no-op.</summary>
    Task DetachAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>
    /// At agent start: sets up the bridge and rules, keeps the attachments of <paramref name="liveContainerIds"/>
    /// (rules rewritten from the persisted state so none are stale or missing), and removes everything
    /// of containers that no longer exist (rules, namespaces, veths, addresses, ports).
    /// </summary>
    Task ReconcileAsync(IReadOnlyCollection<string> liveContainerIds, CancellationToken cancellationToken);

    /// <summary>The current attachment of a container, or null when it has none.</summary>
    NetworkAttachment? Find(string containerId);

    /// <summary>
    /// Per-interface counters in the container's network namespace (loopback included); empty for host
    /// mode or an unknown id.
    /// </summary>
    Task<IReadOnlyList<InterfaceStatistics>> GetInterfaceStatisticsAsync(string containerId, CancellationToken cancellationToken);
}

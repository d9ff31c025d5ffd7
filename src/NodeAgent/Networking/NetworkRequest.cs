namespace Flotilla.NodeAgent.Networking;

/// <summary>What a container needs from the network, given by the container lifecycle before the container is created.</summary>
/// <param name="ContainerId">The container's id; attachments are keyed by it.</param>
/// <param name="Name">The container's name (without Docker's leading slash); written to /etc/hosts next to the hostname.</param>
/// <param name="Hostname">The container's hostname (Docker's default is the first 12 characters of the id).</param>
/// <param name="Mode">Bridge, host, none or a user-defined network.</param>
/// <param name="Ports">Ports to publish on the host; only allowed with bridge and user-defined networks.</param>
public sealed record NetworkRequest(
    string ContainerId,
    string Name,
    string Hostname,
    NetworkMode Mode,
    IReadOnlyList<PortMapping> Ports)
{
    /// <summary>Network aliases other containers on a user-defined network can use besides <see cref="Name"/>.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

namespace Flotilla.NodeAgent.Networking;

/// <summary>One container's attachment as persisted in the state file; enough to rebuild its rules and tear it down.</summary>
internal sealed record AttachmentRecord(
    string ContainerId,
    string Name,
    string Hostname,
    NetworkModeKind Mode,
    string ModeName,
    string? NetworkNamespacePath,
    string? IpAddress,
    string? HostInterface,
    string? MacAddress,
    IReadOnlyList<PublishedPort> Ports,
    IReadOnlyList<string> Aliases);

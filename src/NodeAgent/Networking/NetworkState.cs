namespace Flotilla.NodeAgent.Networking;

/// <summary>What the agent has handed out on its bridge: attachments by container id, and where IPAM left off.</summary>
internal sealed class NetworkState
{
    /// <summary>The subnet the addresses were taken from; a changed subnet is refused rather than silently mixed.</summary>
    public string? Subnet { get; set; }

    /// <summary>The last address handed out; the next search starts after it so a freed address is not reused at once.</summary>
    public string? LastAddress { get; set; }

    public Dictionary<string, AttachmentRecord> Attachments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The br_netfilter sysctls the agent turned off and the values they had, to write back when the last bridged
    /// container goes; null while the agent has not changed them.
    /// </summary>
    public Dictionary<string, string>? BridgeNetfilterRestore { get; set; }
}

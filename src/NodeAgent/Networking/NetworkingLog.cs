using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Networking;

internal static partial class NetworkingLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Bridge {Bridge} ready with {Gateway}/{PrefixLength}; {Count} attachments, rules in nftables table {Table}")]
    public static partial void HostReady(ILogger logger, string bridge, string gateway, int prefixLength, int count, string table);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Attached container {ContainerId} ({Mode}) at {Address}, ports {Ports}")]
    public static partial void Attached(ILogger logger, string containerId, string mode, string? address, string ports);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Detached container {ContainerId}")]
    public static partial void Detached(ILogger logger, string containerId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Removing the network of container {ContainerId}, which no longer exists")]
    public static partial void RemovingStale(ILogger logger, string containerId);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Removing leftover {What} {Name} that no attachment owns")]
    public static partial void RemovingLeftover(ILogger logger, string what, string name);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Undoing a step of a failed attach of container {ContainerId} failed")]
    public static partial void UndoFailed(ILogger logger, Exception exception, string containerId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Cleaning up {What} of container {ContainerId} failed; it is retried on the next reconcile")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string what, string containerId);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Turned off br_netfilter's pass of bridged frames through iptables ({Settings}) while the bridge carries containers; the values found ({Found}) come back when the last one goes (Networking:BridgeNetfilterOff)")]
    public static partial void BridgeNetfilterOff(ILogger logger, string settings, string found);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Restored br_netfilter's sysctls ({Settings})")]
    public static partial void BridgeNetfilterRestored(ILogger logger, string settings);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Leaving br_netfilter's pass of bridged frames through iptables as it is: other bridges ({Bridges}) may rely on it (Networking:BridgeNetfilterOff)")]
    public static partial void BridgeNetfilterLeftOn(ILogger logger, string bridges);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "eBPF fast path carries {Count} published ports from {Interfaces}; maps and links pinned in {Directory}")]
    public static partial void FastPathSynced(ILogger logger, int count, string interfaces, string directory);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "The kernel refused the eBPF fast path for published ports; they go through the nftables rules alone for this agent run (Networking:FastPath=false silences this): {Reason}")]
    public static partial void FastPathUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "Removed the eBPF fast path pinned in {Directory}")]
    public static partial void FastPathRemoved(ILogger logger, string directory);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "Mounted bpffs at {Path} for the fast path's pins")]
    public static partial void BpffsMounted(ILogger logger, string path);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Warning, Message = "Cannot remove the eBPF fast path pinned in {Directory}: {Reason}; remove the directory by hand")]
    public static partial void FastPathRemoveFailed(ILogger logger, string directory, string reason);
}

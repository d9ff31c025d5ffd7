using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Metrics;

/// <summary>
/// Interface counters of a running container's own network namespace, read through its main process's
/// <c>/proc/&lt;pid&gt;/net/dev</c> (no process is started, so it is cheap enough for every scrape). Loopback is
/// left out, as cAdvisor does; host-mode containers (and every container of an agent without networking)
/// have no interfaces of their own and report none.
/// </summary>
public static class ContainerNetworkStatistics
{
    public static IReadOnlyList<InterfaceStatistics> Read(ContainerRecord record, IContainerNetworking? networking)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (networking is null || record.State != ContainerState.Running || record.Pid <= 0)
        {
            return [];
        }

        var mode = networking.Find(record.Id)?.Mode ?? NetworkMode.Parse(record.Spec.NetworkMode);
        if (mode.Kind == NetworkModeKind.Host)
        {
            return [];
        }

        return [.. NetDevParser.Read(record.Pid).Where(i => i.Interface != "lo")];
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Metrics;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary><c>GET /containers/{id}/stats</c>: one reading, or one per second with <c>stream=1</c> (Docker's shape).</summary>
internal static class ContainerStatsEndpoint
{
    public static async Task HandleAsync(string id, HttpContext context, ContainerEngine engine, CgroupReader cgroups, IOptions<AgentOptions> options, TimeProvider time)
    {
        var record = engine.Get(id);
        var networking = context.RequestServices.GetService<IContainerNetworking>();
        var stream = Query.Bool(context.Request, "stream", fallback: true) && !Query.Bool(context.Request, "one-shot");
        var cgroup = CgroupsHook.CgroupPath(options.Value, record.Id);
        context.Response.ContentType = "application/json";
        JsonObject? previous = null;
        do
        {
            var current = Render(engine.Get(record.Id), cgroups.Read(cgroup), time.GetUtcNow());
            if (Networks(ContainerNetworkStatistics.Read(engine.Get(record.Id), networking)) is { } networks)
            {
                current["networks"] = networks;
            }
            current["precpu_stats"] = previous?["cpu_stats"]?.DeepClone() ?? new JsonObject();
            current["preread"] = previous?["read"]?.DeepClone() ?? "0001-01-01T00:00:00Z";
            await context.Response.WriteAsync(current.ToJsonString() + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            previous = current;
            if (stream)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        while (stream && engine.Get(record.Id).State == ContainerState.Running);
    }

    private static JsonObject Render(ContainerRecord record, ContainerStats? stats, DateTimeOffset now)
    {
        var running = record.State == ContainerState.Running && stats is not null;
        return new JsonObject
        {
            ["name"] = "/" + record.Name,
            ["id"] = record.Id,
            ["read"] = ContainerJson.Time(now),
            ["pids_stats"] = running ? new JsonObject { ["current"] = stats!.Pids, ["limit"] = stats.PidsLimit } : new JsonObject(),
            ["cpu_stats"] = running
                ? new JsonObject
                {
                    ["cpu_usage"] = new JsonObject
                    {
                        ["total_usage"] = stats!.CpuUsageNanoseconds,
                        ["usage_in_usermode"] = stats.CpuUserNanoseconds,
                        ["usage_in_kernelmode"] = stats.CpuSystemNanoseconds,
                    },
                    ["system_cpu_usage"] = SystemCpuNanoseconds(),
                    ["online_cpus"] = Environment.ProcessorCount,
                }
                : new JsonObject(),
            ["memory_stats"] = running
                ? new JsonObject
                {
                    ["usage"] = stats!.MemoryUsageBytes,
                    ["max_usage"] = stats.MemoryMaxUsageBytes,
                    ["limit"] = stats.MemoryLimitBytes ?? TotalMemory(),
                    ["stats"] = new JsonObject
                    {
                        ["total_inactive_file"] = stats.MemoryUsageBytes - stats.MemoryWorkingSetBytes,
                        ["cache"] = stats.MemoryCacheBytes,
                        ["rss"] = stats.MemoryRssBytes,
                    },
                    ["failcnt"] = stats.OomKills,
                }
                : new JsonObject(),
        };
    }

    /// <summary>Docker's <c>networks</c>: <c>{"eth0": {"rx_bytes": ..., "tx_bytes": ...}}</c>; absent for host-mode containers, as in Docker.</summary>
    private static JsonObject? Networks(IReadOnlyList<InterfaceStatistics> interfaces)
    {
        if (interfaces.Count == 0)
        {
            return null;
        }

        var networks = new JsonObject();
        foreach (var i in interfaces)
        {
            networks[i.Interface] = new JsonObject
            {
                ["rx_bytes"] = i.ReceiveBytes,
                ["rx_packets"] = i.ReceivePackets,
                ["rx_errors"] = i.ReceiveErrors,
                ["rx_dropped"] = i.ReceiveDropped,
                ["tx_bytes"] = i.TransmitBytes,
                ["tx_packets"] = i.TransmitPackets,
                ["tx_errors"] = i.TransmitErrors,
                ["tx_dropped"] = i.TransmitDropped,
            };
        }

        return networks;
    }

    /// <summary>Host CPU time in nanoseconds from /proc/stat (the denominator of Docker's CPU %).</summary>
    public static ulong SystemCpuNanoseconds()
    {
        var line = File.ReadLines("/proc/stat").First();
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(7)
            .Aggregate(0UL, (sum, field) => sum + ulong.Parse(field, CultureInfo.InvariantCulture));
        return ticks * 10_000_000UL;
    }

    public static ulong TotalMemory()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

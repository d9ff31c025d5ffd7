using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Metrics;

/// <summary>
/// <c>GET /metrics</c>: per-container series with cAdvisor's names and labels (<c>id</c>, <c>name</c>,
/// <c>image</c>) read from cgroups, followed by the agent's own metrics.
/// </summary>
public static class ContainerMetricsEndpoint
{
    public static IEndpointRouteBuilder MapAgentMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (HttpContext context, ContainerEngine engine, CgroupReader cgroups, AgentMetrics metrics, IOptions<AgentOptions> options, TimeProvider time) =>
            Results.Text(
                Render(engine, cgroups, metrics, options.Value, time, context.RequestServices.GetService<IContainerNetworking>()),
                PrometheusTextWriter.ContentType));
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }

    /// <param name="networking">The agent's networking, for the per-interface series; null when it runs without.</param>
    public static string Render(ContainerEngine engine, CgroupReader cgroups, AgentMetrics metrics, AgentOptions options, TimeProvider time, IContainerNetworking? networking = null)
    {
        var writer = new PrometheusTextWriter();
        var containers = engine.List();
        var readings = containers
            .Where(c => c.State == ContainerState.Running)
            .Select(c => (Record: c, Stats: cgroups.Read(CgroupsHook.CgroupPath(options, c.Id))))
            .Where(r => r.Stats is not null)
            .Select(r => (r.Record, Stats: r.Stats!, Labels: Labels(r.Record, options)))
            .ToList();

        void Series(string name, string type, string help, Func<ContainerRecord, ContainerStats, double?> value)
        {
            writer.Header(name, type, help);
            foreach (var (record, stats, labels) in readings)
            {
                if (value(record, stats) is { } sample)
                {
                    writer.Sample(name, labels, sample);
                }
            }
        }

        Series("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.", (_, s) => s.CpuUsageNanoseconds / 1e9);
        Series("container_cpu_user_seconds_total", "counter", "Cumulative user cpu time consumed in seconds.", (_, s) => s.CpuUserNanoseconds / 1e9);
        Series("container_cpu_system_seconds_total", "counter", "Cumulative system cpu time consumed in seconds.", (_, s) => s.CpuSystemNanoseconds / 1e9);
        Series("container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory regardless of when it was accessed.", (_, s) => s.MemoryUsageBytes);
        Series("container_memory_working_set_bytes", "gauge", "Current working set in bytes.", (_, s) => s.MemoryWorkingSetBytes);
        Series("container_memory_rss", "gauge", "Size of RSS in bytes.", (_, s) => s.MemoryRssBytes);
        Series("container_memory_cache", "gauge", "Number of bytes of page cache memory.", (_, s) => s.MemoryCacheBytes);
        Series("container_memory_max_usage_bytes", "gauge", "Maximum memory usage recorded in bytes.", (_, s) => s.MemoryMaxUsageBytes);
        Series("container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.", (_, s) => s.MemoryLimitBytes ?? 0);
        Series("container_spec_cpu_quota", "gauge", "CPU quota of the container.", (r, _) => r.Spec.NanoCpus > 0 ? r.Spec.NanoCpus / 10_000 : null);
        Series("container_spec_cpu_period", "gauge", "CPU period of the container.", (r, _) => r.Spec.NanoCpus > 0 ? 100_000 : null);
        Series("container_oom_events_total", "counter", "Count of out of memory events observed for the container.", (_, s) => s.OomKills);
        Series("container_processes", "gauge", "Number of processes running inside the container.", (_, s) => s.Pids);
        Series("container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds.", (r, _) => (r.StartedAt ?? r.Created).ToUnixTimeMilliseconds() / 1000.0);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        Series("container_last_seen", "gauge", "Last time a container was seen by the exporter.", (_, _) => now);

        WriteNetworkSeries(writer, readings.Select(r => (r.Labels, Interfaces: ContainerNetworkStatistics.Read(r.Record, networking))).ToList());

        writer.Header("flotilla_agent_containers", "gauge", "Containers on this agent by state.");
        foreach (var state in Enum.GetValues<ContainerState>().Where(s => s != ContainerState.Removed))
        {
            writer.Sample("flotilla_agent_containers", $"state=\"{state.ToString().ToLowerInvariant()}\"", containers.Count(c => c.State == state));
        }

        metrics.WriteTo(writer);
        return writer.ToString();
    }

    private static void WriteNetworkSeries(PrometheusTextWriter writer, List<(string Labels, IReadOnlyList<InterfaceStatistics> Interfaces)> containers)
    {
        void Series(string name, string help, Func<InterfaceStatistics, long> value)
        {
            writer.Header(name, "counter", help);
            foreach (var (labels, interfaces) in containers)
            {
                foreach (var statistics in interfaces)
                {
                    writer.Sample(name, $"{labels},interface=\"{PrometheusTextWriter.Escape(statistics.Interface)}\"", value(statistics));
                }
            }
        }

        Series("container_network_receive_bytes_total", "Cumulative count of bytes received.", s => s.ReceiveBytes);
        Series("container_network_receive_packets_total", "Cumulative count of packets received.", s => s.ReceivePackets);
        Series("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.", s => s.ReceiveErrors);
        Series("container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving.", s => s.ReceiveDropped);
        Series("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.", s => s.TransmitBytes);
        Series("container_network_transmit_packets_total", "Cumulative count of packets transmitted.", s => s.TransmitPackets);
        Series("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.", s => s.TransmitErrors);
        Series("container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting.", s => s.TransmitDropped);
    }

    private static string Labels(ContainerRecord record, AgentOptions options) =>
        $"id=\"{PrometheusTextWriter.Escape(CgroupsHook.CgroupPath(options, record.Id))}\",image=\"{PrometheusTextWriter.Escape(record.Spec.Image)}\",name=\"{PrometheusTextWriter.Escape(record.Name)}\"";
}

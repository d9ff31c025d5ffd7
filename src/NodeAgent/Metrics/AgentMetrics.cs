using System.Collections.Concurrent;

namespace Flotilla.NodeAgent.Metrics;

/// <summary>The agent's own counters: runtime call latency and image pulls, rendered on /metrics.</summary>
public sealed class AgentMetrics
{
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private readonly ConcurrentDictionary<string, Histogram> _runtimeCalls = new(StringComparer.Ordinal);
    private readonly Histogram _pullDurations = new();
    private long _pullBytes;
    private long _pullFailures;

    public void ObserveRuntimeCall(string operation, TimeSpan duration) =>
        _runtimeCalls.GetOrAdd(operation, _ => new Histogram()).Observe(duration.TotalSeconds);

    public void ObservePull(TimeSpan duration, long bytes, bool succeeded)
    {
        _pullDurations.Observe(duration.TotalSeconds);
        Interlocked.Add(ref _pullBytes, bytes);
        if (!succeeded)
        {
            Interlocked.Increment(ref _pullFailures);
        }
    }

    public void WriteTo(PrometheusTextWriter writer)
    {
        writer.Header("flotilla_agent_runtime_call_duration_seconds", "histogram", "Latency of OCI runtime invocations by operation.");
        foreach (var (operation, histogram) in _runtimeCalls.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            histogram.WriteTo(writer, "flotilla_agent_runtime_call_duration_seconds", $"operation=\"{operation}\"");
        }

        writer.Header("flotilla_agent_image_pull_duration_seconds", "histogram", "Duration of image pulls.");
        _pullDurations.WriteTo(writer, "flotilla_agent_image_pull_duration_seconds", "");
        writer.Header("flotilla_agent_image_pull_bytes_total", "counter", "Bytes of image content pulled.");
        writer.Sample("flotilla_agent_image_pull_bytes_total", "", Interlocked.Read(ref _pullBytes));
        writer.Header("flotilla_agent_image_pull_failures_total", "counter", "Image pulls that failed.");
        writer.Sample("flotilla_agent_image_pull_failures_total", "", Interlocked.Read(ref _pullFailures));
    }

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length];
        private readonly Lock _lock = new();
        private long _count;
        private double _sum;

        public void Observe(double value)
        {
            lock (_lock)
            {
                for (var index = 0; index < Buckets.Length; index++)
                {
                    if (value <= Buckets[index])
                    {
                        _counts[index]++;
                    }
                }

                _count++;
                _sum += value;
            }
        }

        public void WriteTo(PrometheusTextWriter writer, string name, string labels)
        {
            lock (_lock)
            {
                var prefix = labels.Length == 0 ? "" : labels + ",";
                for (var index = 0; index < Buckets.Length; index++)
                {
                    writer.Sample(name + "_bucket", $"{prefix}le=\"{PrometheusTextWriter.Format(Buckets[index])}\"", _counts[index]);
                }

                writer.Sample(name + "_bucket", $"{prefix}le=\"+Inf\"", _count);
                writer.Sample(name + "_sum", labels, _sum);
                writer.Sample(name + "_count", labels, _count);
            }
        }
    }
}

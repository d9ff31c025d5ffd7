using Prometheus;

namespace Flotilla.NodeAgent.Images;

/// <summary>The image store's Prometheus metrics.</summary>
internal static class ImageMetrics
{
    public static readonly Counter PullBytes = Prometheus.Metrics.CreateCounter(
        "flotilla_agent_pull_bytes_total", "Bytes of image blobs downloaded from registries.");

    public static readonly Histogram PullDuration = Prometheus.Metrics.CreateHistogram(
        "flotilla_agent_pull_duration_seconds", "Duration of image pulls, by result (success, failure).",
        new HistogramConfiguration
        {
            LabelNames = ["result"],
            Buckets = Histogram.ExponentialBuckets(0.05, 2, 14),
        });

    public static readonly Histogram LayerUnpackDuration = Prometheus.Metrics.CreateHistogram(
        "flotilla_agent_layer_unpack_duration_seconds", "Duration of unpacking one layer into the layer store.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });
}

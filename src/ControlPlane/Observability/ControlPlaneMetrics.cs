using Prometheus;

namespace Flotilla.ControlPlane.Observability;

/// <summary>The control plane's own Prometheus metrics (HTTP request latency by route comes from prometheus-net's middleware).</summary>
public static class ControlPlaneMetrics
{
    public static readonly Counter SchedulingAttempts = Metrics.CreateCounter(
        "flotilla_scheduling_attempts_total", "Replica placement attempts, by outcome (placed, pending, refused).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    public static readonly Histogram PlacementLatency = Metrics.CreateHistogram(
        "flotilla_placement_duration_seconds", "Time to place one replica: rank nodes and commit on one.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });

    public static readonly Gauge PendingReplicas = Metrics.CreateGauge(
        "flotilla_pending_replicas", "Replicas that fit on no node yet (cluster-wide).");

    public static readonly Gauge Nodes = Metrics.CreateGauge(
        "flotilla_nodes", "Registered nodes by state (cluster-wide).", new GaugeConfiguration { LabelNames = ["state"] });

    public static readonly Gauge WorkloadReplicas = Metrics.CreateGauge(
        "flotilla_workload_replicas", "Replicas summed over workloads, desired and running (cluster-wide).",
        new GaugeConfiguration { LabelNames = ["kind"] });

    public static readonly Gauge Workloads = Metrics.CreateGauge("flotilla_workloads", "Workloads (cluster-wide).");
}

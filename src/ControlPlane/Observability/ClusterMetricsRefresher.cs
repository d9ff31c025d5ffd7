using Flotilla.ControlPlane.Api;
using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Observability;

/// <summary>Refreshes the cluster-wide gauges (nodes by state, replicas desired/running/pending) every few seconds.</summary>
public sealed partial class ClusterMetricsRefresher(WorkloadOperations operations, ILogger<ClusterMetricsRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var nodes = await operations.ListNodesAsync();
                ControlPlaneMetrics.Nodes.WithLabels("Ready").Set(nodes.Count(n => n.State == "Ready"));
                ControlPlaneMetrics.Nodes.WithLabels("NotReady").Set(nodes.Count(n => n.State != "Ready"));
                var workloads = await operations.ListAsync();
                ControlPlaneMetrics.Workloads.Set(workloads.Count);
                ControlPlaneMetrics.WorkloadReplicas.WithLabels("desired").Set(workloads.Sum(w => w.DesiredReplicas));
                ControlPlaneMetrics.WorkloadReplicas.WithLabels("running").Set(workloads.Sum(w => w.RunningReplicas));
                ControlPlaneMetrics.PendingReplicas.Set(workloads.Sum(w => w.PendingReplicas));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRefreshFailed(e);
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "Could not refresh cluster metrics")]
    private partial void LogRefreshFailed(Exception exception);
}

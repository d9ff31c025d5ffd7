namespace Flotilla.ControlPlane.Hosting;

/// <summary>After the silo starts, wakes every workload so replicas left pending before a restart get placed.</summary>
public sealed partial class ResumeOnStart(IGrainFactory grains, ILogger<ResumeOnStart> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<Grains.IWorkloadIndexGrain>(0).ResumeAll().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not fatal: a workload also resumes the first time anything calls it.
            LogResumeFailed(e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Could not resume workloads at start-up")]
    private partial void LogResumeFailed(Exception exception);
}

using Microsoft.Extensions.Hosting;

namespace Flotilla.NodeAgent.Containers;

/// <summary>Re-adopts containers before the agent serves requests, then runs the process monitor and the log collector.</summary>
internal sealed class ContainerEngineService(ContainerEngine engine) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.RecoverAsync(cancellationToken);
        _loops = Task.WhenAll(
            Task.Run(() => engine.RunMonitorAsync(_stopping.Token), CancellationToken.None),
            Task.Run(() => engine.Logs.RunAsync(_stopping.Token), CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _loops.WaitAsync(cancellationToken);
            await engine.TrashEmptied.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Containers keep running without the agent; nothing to wait for.
        }
    }

    public void Dispose() => _stopping.Dispose();
}

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>A wake-up that coalesces: any number of <see cref="Set"/> calls wake one waiter once.</summary>
internal sealed class AsyncSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: one wake-up covers both.
        }
    }

    /// <summary>Waits for a <see cref="Set"/> or the timeout; true when set.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}

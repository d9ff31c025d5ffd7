namespace Flotilla.NodeAgent.Containers;

/// <summary>The engine's live handle on one container: its context, an operation gate and exit signals.</summary>
internal sealed class ContainerEntry(ContainerContext context)
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _pendingRestart;

    public ContainerContext Context { get; } = context;

    /// <summary>The pid whose exit is being handled, so one exit is handled once.</summary>
    public int ExitClaimedPid;

    /// <summary>Serialises lifecycle operations on this container.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Completes with the exit code when the current (or next) run ends; replaced after each exit.</summary>
    public TaskCompletionSource<int> NextExit { get; private set; } = NewExit();

    public TaskCompletionSource<int> Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void CompleteExit(int exitCode)
    {
        TaskCompletionSource<int> completed;
        lock (_lock)
        {
            completed = NextExit;
            NextExit = NewExit();
        }

        completed.TrySetResult(exitCode);
    }

    public CancellationToken SchedulePendingRestart()
    {
        lock (_lock)
        {
            _pendingRestart?.Cancel();
            _pendingRestart = new CancellationTokenSource();
            return _pendingRestart.Token;
        }
    }

    public void CancelPendingRestart()
    {
        lock (_lock)
        {
            _pendingRestart?.Cancel();
            _pendingRestart = null;
        }
    }

    private static TaskCompletionSource<int> NewExit() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

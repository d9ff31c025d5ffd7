namespace Flotilla.NodeAgent.Images;

/// <summary>Runs its release action once, when disposed.</summary>
internal sealed class Lease(Action release) : IDisposable
{
    private Action? _release = release;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}

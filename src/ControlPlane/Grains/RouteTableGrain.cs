namespace Flotilla.ControlPlane.Grains;

public sealed class RouteTableGrain(
    [PersistentState("routes", StorageNames.Default)] IPersistentState<RouteTableState> state,
    TimeProvider time) : Grain, IRouteTableGrain
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task Set(string workload, RouteEntry? entry, long sequence)
    {
        var s = state.State;
        if (s.Sequences.GetValueOrDefault(workload) >= sequence)
        {
            return;
        }

        s.Sequences[workload] = sequence;
        var current = s.Routes.GetValueOrDefault(workload);
        if (current?.Fingerprint() == entry?.Fingerprint())
        {
            return;
        }

        if (entry is null)
        {
            s.Routes.Remove(workload);
        }
        else
        {
            s.Routes[workload] = entry;
        }

        s.Version++;
        s.GeneratedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    public Task<RouteTableSnapshot> Get() => Task.FromResult(Snapshot());

    public async Task<RouteTableSnapshot?> WaitForChange(long knownVersion, TimeSpan timeout)
    {
        if (state.State.Version == knownVersion)
        {
            await Task.WhenAny(_changed.Task, Task.Delay(timeout, time));
        }

        return state.State.Version != knownVersion ? Snapshot() : null;
    }

    private RouteTableSnapshot Snapshot() => new(
        state.State.Version,
        state.State.GeneratedAt,
        [.. state.State.Routes.Values.OrderBy(r => r.Workload, StringComparer.Ordinal)]);
}

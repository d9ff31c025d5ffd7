namespace Flotilla.ControlPlane.Grains;

public sealed class WorkloadIndexGrain(
    [PersistentState("workloads", StorageNames.Default)] IPersistentState<WorkloadIndexState> state,
    TimeProvider time) : Grain, IWorkloadIndexGrain
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version = 1;

    public async Task Add(string name)
    {
        if (state.State.Names.Add(name))
        {
            await state.WriteStateAsync();
        }

        Changed();
    }

    public async Task Remove(string name)
    {
        if (state.State.Names.Remove(name))
        {
            await state.WriteStateAsync();
        }

        Changed();
    }

    public Task<List<string>> GetNames() => Task.FromResult(state.State.Names.ToList());

    public Task Touch()
    {
        Changed();
        return Task.CompletedTask;
    }

    public async Task<long> WaitForChange(long knownVersion, TimeSpan timeout)
    {
        if (_version == knownVersion)
        {
            await Task.WhenAny(_changed.Task, Task.Delay(timeout, time));
        }

        return _version;
    }

    public Task ResumeAll()
    {
        foreach (var name in state.State.Names)
        {
            GrainFactory.GetGrain<IWorkloadGrain>(name).Resume().Ignore();
        }

        return Task.CompletedTask;
    }

    private void Changed()
    {
        _version++;
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}

namespace Flotilla.ControlPlane.Grains;

public sealed class EventLogGrain(TimeProvider time) : Grain, IEventLogGrain
{
    private const int Capacity = 1000;
    private readonly LinkedList<EventRecord> _events = new();
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;

    public Task Append(EventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _events.AddLast(record with { Sequence = ++_sequence, At = record.At == default ? time.GetUtcNow() : record.At });
        if (_events.Count > Capacity)
        {
            _events.RemoveFirst();
        }

        var previous = _appended;
        _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
        return Task.CompletedTask;
    }

    public Task<List<EventRecord>> GetRecent(int limit) =>
        Task.FromResult(_events.Reverse().Take(Math.Clamp(limit, 1, Capacity)).Reverse().ToList());

    public async Task<List<EventRecord>> WaitAfter(long afterSequence, TimeSpan timeout)
    {
        if (_sequence <= afterSequence)
        {
            await Task.WhenAny(_appended.Task, Task.Delay(timeout, time));
        }

        return [.. _events.Where(e => e.Sequence > afterSequence)];
    }
}

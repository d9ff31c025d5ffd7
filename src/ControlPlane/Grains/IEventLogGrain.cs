using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>The cluster's recent events (key 0), kept in memory in a bounded ring.</summary>
public interface IEventLogGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task Append(EventRecord record);

    [ReadOnly]
    Task<List<EventRecord>> GetRecent(int limit);

    /// <summary>Events after <paramref name="afterSequence"/>; waits up to <paramref name="timeout"/> for one when there are none.</summary>
    [AlwaysInterleave]
    Task<List<EventRecord>> WaitAfter(long afterSequence, TimeSpan timeout);
}

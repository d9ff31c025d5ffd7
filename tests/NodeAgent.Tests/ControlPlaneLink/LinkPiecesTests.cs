using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.ControlPlaneLink;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

[Trait("Category", "Unit")]
public sealed class LinkPiecesTests
{
    [Fact]
    public void Backoff_GrowsExponentially_UpToTheMaximum_WithJitterWithinHalfToFull()
    {
        var low = new ReconnectBackoff(TimeSpan.FromSeconds(30), () => 0.0);
        var high = new ReconnectBackoff(TimeSpan.FromSeconds(30), () => 1.0);

        Assert.Equal(TimeSpan.FromMilliseconds(125), low.Delay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(250), high.Delay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), high.Delay(3));
        Assert.Equal(TimeSpan.FromSeconds(15), low.Delay(50));
        Assert.Equal(TimeSpan.FromSeconds(30), high.Delay(50));
    }

    [Fact]
    public void HealthTracker_IsHealthyOnSuccess_UnhealthyOnlyAfterRetriesFailuresInARow()
    {
        var tracker = new HealthProbeTracker(retries: 3);
        Assert.Equal(HealthState.Unknown, tracker.State);

        Assert.True(tracker.Record(success: true));
        Assert.False(tracker.Record(success: false));
        Assert.False(tracker.Record(success: false));
        Assert.Equal(HealthState.Healthy, tracker.State);
        Assert.True(tracker.Record(success: false));
        Assert.Equal(HealthState.Unhealthy, tracker.State);
        Assert.True(tracker.Record(success: true));
        Assert.Equal(HealthState.Healthy, tracker.State);
    }

    [Fact]
    public void FailureRetry_DoublesUpToAMinute()
    {
        var now = DateTimeOffset.UnixEpoch;
        AllocationFailure? failure = null;
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 9; i++)
        {
            failure = AllocationFailure.Next(failure, "boom", now);
            delays.Add(failure.RetryAt - now);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], delays.Select(d => (int)d.TotalSeconds));
    }

    [Fact]
    public void StatusBoard_MarksOnlyWhatChanged_AndForgetsAllocationsNoLongerDesired()
    {
        var clock = new ManualClock { Now = DateTimeOffset.UnixEpoch };
        var board = new AllocationStatusBoard(clock);
        var running = new AllocationStatus { AllocationId = "a1", Phase = AllocationPhase.Running };
        var pulling = new AllocationStatus { AllocationId = "a2", Phase = AllocationPhase.Pulling };

        board.Publish([running, pulling]);
        Assert.Equal(2, board.TakeChanged(all: false).Count);
        clock.Now += TimeSpan.FromSeconds(5);
        board.Publish([running, new AllocationStatus { AllocationId = "a2", Phase = AllocationPhase.Running }]);
        var changed = Assert.Single(board.TakeChanged(all: false));
        Assert.Equal("a2", changed.AllocationId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(5), changed.ObservedAt.ToDateTimeOffset());

        board.Publish([running]);
        Assert.Empty(board.TakeChanged(all: false));
        Assert.Equal("a1", Assert.Single(board.TakeChanged(all: true)).AllocationId);
        Assert.Null(board.Get("a2"));
    }

    [Fact]
    public void StatusBoard_QueuesStoppedReportsOnce()
    {
        var board = new AllocationStatusBoard(TimeProvider.System);

        board.Stopped("gone");

        Assert.Equal(AllocationPhase.Stopped, Assert.Single(board.TakeStopped()).Phase);
        Assert.Empty(board.TakeStopped());
    }

    [Fact]
    public void MemTotal_IsReadInBytes()
    {
        Assert.Equal(16_303_612L * 1024, HostCapacity.ParseMemTotal("MemTotal:       16303612 kB\nMemFree:         1234 kB\n"));
        Assert.Throws<FormatException>(() => HostCapacity.ParseMemTotal("MemFree: 1 kB\n"));
    }

    [Fact]
    public void HostCapacity_OffersTheHost_WhereNothingIsConfigured()
    {
        var capacity = HostCapacity.Resolve(new ControlPlaneLinkOptions { MemoryBytes = 1L << 30 });

        Assert.Equal(Environment.ProcessorCount * 1000L, capacity.MilliCpu);
        Assert.Equal(1L << 30, capacity.MemoryBytes);
        Assert.True(capacity.Pids > 0);
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

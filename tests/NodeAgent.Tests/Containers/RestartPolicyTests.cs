using System.Diagnostics;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.Containers;

/// <summary>
/// Restart policies against real processes, once per OCI runtime. Backoff is checked through bounds that
/// hold on any machine: n restarts cannot happen before the sum of the first n delays has passed.
/// </summary>
[Trait("Category", "Integration")]
public abstract class RestartPolicyTests(string runtime) : AgentTests(runtime)
{
    [Fact]
    public async Task OnFailure_RestartsUpToItsLimit_ThenStaysExited_AndASuccessIsNotRestarted()
    {
        await RunAsync(Spec("flaky", "sh", "-c", "echo run; exit 1") with { RestartPolicy = RestartPolicy.Parse("on-failure:2") });
        await RunAsync(Spec("fine", "sh", "-c", "echo run; exit 0") with { RestartPolicy = RestartPolicy.Parse("on-failure:3") });
        await WaitForAsync(() => Engine.Get("flaky") is { State: ContainerState.Exited, RestartCount: 2 }, "flaky to stop after 2 restarts");

        Assert.Equal(["stdout:run", "stdout:run", "stdout:run"], await ReadLogsAsync("flaky", new LogReadOptions()));
        Assert.Equal(1, Engine.Get("flaky").ExitCode);
        Assert.Equal(0, await Engine.WaitAsync("fine", null, CancellationToken.None));
        Assert.Equal(ContainerState.Exited, Engine.Get("fine").State);
        Assert.Equal(0, Engine.Get("fine").RestartCount);
        Assert.Equal(["stdout:run"], await ReadLogsAsync("fine", new LogReadOptions()));
    }

    [Fact]
    public async Task Always_BacksOffExponentially_AndAStopEndsIt()
    {
        var clock = Stopwatch.StartNew();
        await RunAsync(Spec("looper", "sh", "-c", "echo run") with { RestartPolicy = RestartPolicy.Parse("always") });
        await WaitForAsync(() => Engine.Get("looper").RestartCount >= 4, "four restarts");
        var elapsed = clock.Elapsed;
        var restarts = Engine.Get("looper").RestartCount;

        // The count goes up when a restart is scheduled (as Docker's does), so n restarts follow n - 1 delays.
        Assert.True(elapsed >= Delays(3), $"4 restarts took {elapsed}, less than the backoff delays {Delays(3)}");
        Assert.True(Delays(restarts - 1) <= elapsed, $"{restarts} restarts within {elapsed} is faster than the backoff allows");

        Assert.True(await Engine.StopAsync("looper", TimeSpan.FromSeconds(5), CancellationToken.None));
        var stopped = Engine.Get("looper");
        Assert.Equal(ContainerState.Exited, stopped.State);
        await Task.Delay(RestartPolicyEvaluator.Backoff(stopped.RestartCount) + TimeSpan.FromMilliseconds(500));
        Assert.Equal(ContainerState.Exited, Engine.Get("looper").State);
        Assert.Equal(stopped.RestartCount, Engine.Get("looper").RestartCount);
        // One run per restart plus the first, less the scheduled restart the stop cancelled, if any.
        Assert.InRange((await ReadLogsAsync("looper", new LogReadOptions())).Count, stopped.RestartCount, stopped.RestartCount + 1);
    }

    [Fact]
    public async Task Always_RestartsAProcessKilledBehindTheAgentsBack()
    {
        var first = await RunAsync(Spec("victim", "sleep", "60") with { RestartPolicy = RestartPolicy.Parse("always") });
        Process.GetProcessById(first.Pid).Kill();

        await WaitForAsync(() => Engine.Get("victim") is { State: ContainerState.Running, RestartCount: 1 }, "the killed container to run again");
        var second = Engine.Get("victim");
        Assert.NotEqual(first.Pid, second.Pid);
        Assert.Equal("ok\n", await ExecAsync("victim", "echo", "ok"));
    }

    [Fact]
    public async Task UnlessStopped_RestartsOnExit_ButNotAfterAManualStop()
    {
        await RunAsync(Spec("crashy", "sh", "-c", "echo run; exit 3") with { RestartPolicy = RestartPolicy.Parse("unless-stopped") });
        await WaitForAsync(() => Engine.Get("crashy").RestartCount >= 2, "two restarts of an unless-stopped container that exits");

        await RunAsync(Spec("server", "sleep", "60") with { RestartPolicy = RestartPolicy.Parse("unless-stopped") });
        Assert.True(await Engine.StopAsync("server", TimeSpan.FromSeconds(1), CancellationToken.None));
        await Task.Delay(RestartPolicyEvaluator.Backoff(0) + TimeSpan.FromMilliseconds(900));
        var server = Engine.Get("server");
        Assert.Equal(ContainerState.Exited, server.State);
        Assert.Equal(0, server.RestartCount);
        Assert.Equal(137, server.ExitCode);
    }

    /// <summary>The least time <paramref name="restarts"/> restarts of a quickly failing container take.</summary>
    private static TimeSpan Delays(int restarts) =>
        Enumerable.Range(0, restarts).Aggregate(TimeSpan.Zero, (sum, step) => sum + RestartPolicyEvaluator.Backoff(step));

    public sealed class OnRunc() : RestartPolicyTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : RestartPolicyTests(TestRuntimes.Flotilla);
}

using System.Globalization;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.Containers;

/// <summary>
/// Container logs as users read them (the docker CLI's logs with tail, since, timestamps and follow), with
/// small log files so size rotation happens within a test; once per OCI runtime.
/// </summary>
[Trait("Category", "Integration")]
public abstract class ContainerLogsTests(string runtime)
    : AgentTests(runtime, $"--Agent:LogMaxBytes={MaxBytes}", $"--Agent:LogMaxFiles={MaxFiles}")
{
    private const int MaxBytes = 8192;
    private const int MaxFiles = 2;

    [Fact]
    public async Task Logs_KeepBothStreams_InOrder_WithTailAndExitCode()
    {
        await RunAsync(Spec("talker", "sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; exit 3"));
        Assert.Equal(3, await Engine.WaitAsync("talker", null, CancellationToken.None));

        // Each stream keeps its order; between stdout and stderr (two pipes) order is a race under load, as with Docker.
        var all = await ReadLogsAsync("talker", new LogReadOptions());
        Assert.Equal(["stdout:one", "stdout:three"], all.Where(l => l.StartsWith("stdout:", StringComparison.Ordinal)));
        Assert.Equal(["stderr:two"], all.Where(l => l.StartsWith("stderr:", StringComparison.Ordinal)));
        Assert.Equal(["stdout:three"], await ReadLogsAsync("talker", new LogReadOptions { Stderr = false, Tail = 1 }));
        Assert.Equal(["stderr:two"], await ReadLogsAsync("talker", new LogReadOptions { Stdout = false }));
        Assert.Equal(3, Engine.Get("talker").ExitCode);

        var cli = (await Agent.DockerAsync("logs", "talker")).EnsureSuccess();
        Assert.Equal("one\nthree", cli.StandardOutput.Trim());
        Assert.Equal("two", cli.StandardError.Trim());
    }

    [Fact]
    public async Task DockerLogs_TailSinceAndTimestamps()
    {
        await RunAsync(Spec("clock", "sh", "-c", "echo one; echo two; sleep 1.2; echo three; echo four"));
        Assert.Equal(0, await Engine.WaitAsync("clock", null, CancellationToken.None));

        var stamped = Lines((await Agent.DockerAsync("logs", "--timestamps", "clock")).EnsureSuccess().StandardOutput);
        Assert.Equal(4, stamped.Count);
        var times = stamped.Select(line => DateTimeOffset.Parse(line.Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(["one", "two", "three", "four"], stamped.Select(line => line.Split(' ', 2)[1]));
        Assert.Equal(times.Order(), times);
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(1), $"three was logged {times[2] - times[1]} after two, not after the 1.2 s sleep");

        Assert.Equal(["three", "four"], Lines((await Agent.DockerAsync("logs", "--tail", "2", "clock")).EnsureSuccess().StandardOutput));
        var since = stamped[2].Split(' ')[0];
        Assert.Equal(["three", "four"], Lines((await Agent.DockerAsync("logs", "--since", since, "clock")).EnsureSuccess().StandardOutput));
        Assert.Equal(["one", "two"], Lines((await Agent.DockerAsync("logs", "--until", stamped[1].Split(' ')[0], "clock")).EnsureSuccess().StandardOutput));
    }

    [Fact]
    public async Task DockerLogsFollow_StreamsUntilTheContainerExits()
    {
        await Engine.CreateAsync(Spec("ticker", "sh", "-c", "sleep 0.5; for i in 1 2 3 4 5 6 7 8; do echo tick$i; sleep 0.1; done"), CancellationToken.None);
        await Engine.StartAsync("ticker", CancellationToken.None);

        var follow = (await Agent.DockerAsync("logs", "--follow", "ticker")).EnsureSuccess();
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"tick{i}"), Lines(follow.StandardOutput));
        Assert.Equal(ContainerState.Exited, Engine.Get("ticker").State);
    }

    [Fact]
    public async Task Rotation_KeepsTheNewestFiles_AndAFollowerMissesNoLine()
    {
        const int count = 1500;
        var script = $"sleep 0.5; i=1; while [ $i -le {count} ]; do echo line-$i; [ $((i % 50)) = 0 ] && sleep 0.05; i=$((i + 1)); done";
        var record = await Engine.CreateAsync(Spec("chatty", "sh", "-c", script), CancellationToken.None);
        // Following from before the start (a CLI process would attach too late to see the first files).
        var following = ReadLogsAsync("chatty", new LogReadOptions { Follow = true });
        await Engine.StartAsync("chatty", CancellationToken.None);

        var followed = (await following.WaitAsync(TimeSpan.FromSeconds(60))).Select(line => line["stdout:".Length..]);
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"line-{i}"), followed);

        var files = Directory.GetFiles(Engine.PathsOf(record.Id).Directory, "container.log*").Select(Path.GetFileName).Order().ToList();
        Assert.Contains($"container.log.{MaxFiles}", files);
        Assert.Subset(new HashSet<string?> { "container.log", "container.log.1", "container.log.2" }, files.ToHashSet());
        var kept = Lines((await Agent.DockerAsync("logs", "chatty")).EnsureSuccess().StandardOutput);
        var first = int.Parse(kept[0]["line-".Length..], CultureInfo.InvariantCulture);
        Assert.True(first > 1, "rotation dropped no old line");
        Assert.Equal(Enumerable.Range(first, count - first + 1).Select(i => $"line-{i}"), kept);
    }

    private static List<string> Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public sealed class OnRunc() : ContainerLogsTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : ContainerLogsTests(TestRuntimes.Flotilla);
}

using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.Containers;

[Trait("Category", "Integration")]
public sealed class ContainerLifecycleTests : IAsyncLifetime
{
    private AgentFixture _agent = null!;

    public async Task InitializeAsync() => _agent = await AgentFixture.StartAsync();

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private static ContainerSpec Spec(string name, params string[] command) =>
        new() { Name = name, Image = RootfsImageStore.Reference, Command = command };

    [Fact]
    public async Task WritableLayer_SurvivesStopStart_IsPrivate_AndGoesWithRemove()
    {
        var engine = _agent.Engine;
        var writer = await engine.CreateAsync(Spec("writer", "sh", "-c", "echo data > /note; sleep 60"), CancellationToken.None);
        var other = await engine.CreateAsync(Spec("other", "sleep", "60"), CancellationToken.None);
        await engine.StartAsync("writer", CancellationToken.None);
        await engine.StartAsync("other", CancellationToken.None);
        await WaitForAsync(() => File.Exists(Path.Combine(engine.PathsOf(writer.Id).Upper, "note")));

        await engine.StopAsync("writer", TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(ContainerState.Exited, engine.Get("writer").State);
        await engine.StartAsync("writer", CancellationToken.None);
        Assert.Equal("data\n", await ExecAsync("writer", "cat", "/note"));
        Assert.NotEqual(0, (await ExecWithCodeAsync("other", "cat", "/note")).ExitCode);

        await engine.RemoveAsync("writer", force: true, CancellationToken.None);
        Assert.False(Directory.Exists(engine.PathsOf(writer.Id).Directory));
        Assert.Throws<ContainerNotFoundException>(() => engine.Get("writer"));
        Assert.Equal(ContainerState.Running, engine.Get(other.Id).State);
    }

    [Fact]
    public async Task InvalidTransitions_AreTypedErrorsThatSayWhatToDo()
    {
        var engine = _agent.Engine;
        await engine.CreateAsync(Spec("web1", "sleep", "60"), CancellationToken.None);
        await engine.StartAsync("web1", CancellationToken.None);

        var remove = await Assert.ThrowsAsync<InvalidContainerStateException>(() => engine.RemoveAsync("web1", force: false, CancellationToken.None));
        Assert.Equal("container web1 is running: stop it first or use force", remove.Message);
        await Assert.ThrowsAsync<InvalidContainerStateException>(() => engine.StartAsync("web1", CancellationToken.None));
        Assert.Equal(ContainerState.Running, engine.Get("web1").State);
    }

    [Fact]
    public async Task Logs_KeepBothStreams_InOrder_WithTailAndExitCode()
    {
        var engine = _agent.Engine;
        await engine.CreateAsync(Spec("talker", "sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; exit 3"), CancellationToken.None);
        await engine.StartAsync("talker", CancellationToken.None);
        Assert.Equal(3, await engine.WaitAsync("talker", null, CancellationToken.None));

        var all = await ReadLogsAsync("talker", new LogReadOptions());
        Assert.Equal(["stdout:one", "stderr:two", "stdout:three"], all);
        Assert.Equal(["stdout:three"], await ReadLogsAsync("talker", new LogReadOptions { Tail = 1 }));
        Assert.Equal(["stderr:two"], await ReadLogsAsync("talker", new LogReadOptions { Stdout = false }));
        Assert.Equal(ContainerState.Exited, engine.Get("talker").State);
        Assert.Equal(3, engine.Get("talker").ExitCode);
    }

    [Fact]
    public async Task OnFailurePolicy_RestartsUpToItsLimit_ThenStaysExited()
    {
        var engine = _agent.Engine;
        await engine.CreateAsync(Spec("flaky", "sh", "-c", "echo run; exit 1") with { RestartPolicy = RestartPolicy.Parse("on-failure:2") }, CancellationToken.None);
        await engine.StartAsync("flaky", CancellationToken.None);
        await WaitForAsync(() => engine.Get("flaky") is { State: ContainerState.Exited, RestartCount: 2 }, TimeSpan.FromSeconds(20));

        Assert.Equal(3, (await ReadLogsAsync("flaky", new LogReadOptions())).Count);
        Assert.Equal(1, engine.Get("flaky").ExitCode);
    }

    [Fact]
    public async Task BadRunOptions_AreRejected_AndCreateNothing()
    {
        var engine = _agent.Engine;
        await engine.CreateAsync(Spec("taken", "true"), CancellationToken.None);
        var before = Directory.GetDirectories(Path.Combine(_agent.StateDirectory, "containers")).Length;

        await Assert.ThrowsAsync<InvalidRunOptionsException>(() => engine.CreateAsync(Spec("neg", "true") with { Memory = -1 }, CancellationToken.None));
        Assert.Throws<InvalidRunOptionsException>(() => RestartPolicy.Parse("sometimes"));
        await Assert.ThrowsAsync<NameConflictException>(() => engine.CreateAsync(Spec("taken", "true"), CancellationToken.None));
        await Assert.ThrowsAsync<ImageNotFoundException>(() => engine.CreateAsync(Spec("noimage", "true") with { Image = "nothing:here" }, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidRunOptionsException>(() => engine.CreateAsync(Spec("badbind", "true") with { Mounts = [new MountSpec(MountKind.Bind, "/does/not/exist", "/data")] }, CancellationToken.None));

        Assert.Single(engine.List());
        Assert.Equal(before, Directory.GetDirectories(Path.Combine(_agent.StateDirectory, "containers")).Length);
    }

    [Fact]
    public async Task NamedVolume_OutlivesItsContainer()
    {
        var engine = _agent.Engine;
        var volume = new MountSpec(MountKind.Volume, "keep", "/data");
        await engine.CreateAsync(Spec("first", "sh", "-c", "echo kept > /data/file") with { Mounts = [volume] }, CancellationToken.None);
        await engine.StartAsync("first", CancellationToken.None);
        Assert.Equal(0, await engine.WaitAsync("first", null, CancellationToken.None));
        await engine.RemoveAsync("first", force: false, CancellationToken.None);

        await engine.CreateAsync(Spec("second", "cat", "/data/file") with { Mounts = [volume] }, CancellationToken.None);
        await engine.StartAsync("second", CancellationToken.None);
        Assert.Equal(0, await engine.WaitAsync("second", null, CancellationToken.None));
        Assert.Equal(["stdout:kept"], await ReadLogsAsync("second", new LogReadOptions()));
        Assert.NotNull(_agent.Volumes.Find("keep"));
    }

    private async Task<List<string>> ReadLogsAsync(string name, LogReadOptions options)
    {
        var lines = new List<string>();
        var id = _agent.Engine.Get(name).Id;
        await _agent.Engine.Logs.ReadAsync(id, options, Task.CompletedTask, (entry, _) =>
        {
            lines.Add($"{entry.Stream.ToString().ToLowerInvariant()}:{entry.Text.TrimEnd('\n')}");
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return lines;
    }

    private async Task<string> ExecAsync(string container, params string[] command)
    {
        var (exitCode, output) = await ExecWithCodeAsync(container, command);
        Assert.Equal(0, exitCode);
        return output;
    }

    private async Task<(int ExitCode, string Output)> ExecWithCodeAsync(string container, params string[] command)
    {
        var session = _agent.Exec.Create(container, command, [], null, null, false, true, true);
        var output = new System.Text.StringBuilder();
        var exitCode = await _agent.Exec.RunAsync(session.Id, null, (_, bytes, _) =>
        {
            output.Append(System.Text.Encoding.UTF8.GetString(bytes.Span));
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return (exitCode, output.ToString());
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }
}

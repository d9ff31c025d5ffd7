using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.DockerApi;

/// <summary>The real docker CLI against the agent's socket.</summary>
[Trait("Category", "Integration")]
public sealed class DockerCliTests : IAsyncLifetime
{
    private const string Image = RootfsImageStore.Reference;
    private AgentFixture _agent = null!;

    public async Task InitializeAsync() => _agent = await AgentFixture.StartAsync();

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    [Fact]
    public async Task VersionAndInfo_ReportTheAgent()
    {
        var version = (await _agent.DockerAsync("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}")).EnsureSuccess();
        Assert.Equal("0.1.0 1.47", version.StandardOutput.Trim());
        var info = (await _agent.DockerAsync("info", "--format", "{{.Driver}} {{.NCPU}} {{.LoggingDriver}}")).EnsureSuccess();
        Assert.Equal($"overlay {Environment.ProcessorCount} json-file", info.StandardOutput.Trim());
    }

    [Fact]
    public async Task RunDetached_Ps_Logs_Exec_Stop_Start_Rm()
    {
        var run = (await _agent.DockerAsync("run", "-d", "--name", "web", "-e", "GREETING=hi", "--memory", "64m", "--cpus", "0.5", Image,
            "sh", "-c", "echo $GREETING; trap 'exit 0' TERM; while true; do sleep 0.1; done")).EnsureSuccess();
        var id = run.StandardOutput.Trim();
        Assert.Equal(64, id.Length);

        var ps = (await _agent.DockerAsync("ps", "--format", "{{.Names}} {{.Image}} {{.State}}")).EnsureSuccess();
        Assert.Equal($"web {Image} running", ps.StandardOutput.Trim());

        await WaitForLogsAsync("web", "hi");
        var exec = (await _agent.DockerAsync("exec", "web", "sh", "-c", "echo out; echo err >&2; cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).EnsureSuccess();
        Assert.Equal($"out\n{64 * 1024 * 1024}", exec.StandardOutput.Trim());
        Assert.Equal("err", exec.StandardError.Trim());
        var failing = await _agent.DockerAsync("exec", "web", "sh", "-c", "exit 7");
        Assert.Equal(7, failing.ExitCode);

        var remove = await _agent.DockerAsync("rm", "web");
        Assert.NotEqual(0, remove.ExitCode);
        Assert.Contains("container web is running: stop it first or use force", remove.StandardError, StringComparison.Ordinal);

        (await _agent.DockerAsync("stop", "web")).EnsureSuccess();
        var stopped = (await _agent.DockerAsync("ps", "-a", "--format", "{{.Names}} {{.Status}}")).EnsureSuccess();
        Assert.StartsWith("web Exited (0)", stopped.StandardOutput.Trim(), StringComparison.Ordinal);

        (await _agent.DockerAsync("start", "web")).EnsureSuccess();
        Assert.Equal("running", (await _agent.DockerAsync("inspect", "--format", "{{.State.Status}}", "web")).EnsureSuccess().StandardOutput.Trim());
        (await _agent.DockerAsync("rm", "-f", "web")).EnsureSuccess();
        Assert.Equal("", (await _agent.DockerAsync("ps", "-a", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task RunAttachedWithRm_PrintsOutput_ReturnsExitCode_AndRemoves()
    {
        var run = await _agent.DockerAsync("run", "--rm", Image, "sh", "-c", "echo hello; echo oops >&2; exit 4");
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("hello", run.StandardOutput.Trim());
        Assert.Equal("oops", run.StandardError.Trim());
        Assert.Equal("", (await _agent.DockerAsync("ps", "-a", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task Volumes_CreateListMount_RefuseRemovalInUse_Remove()
    {
        (await _agent.DockerAsync("volume", "create", "data")).EnsureSuccess();
        Assert.Equal("data", (await _agent.DockerAsync("volume", "ls", "--format", "{{.Name}}")).EnsureSuccess().StandardOutput.Trim());
        (await _agent.DockerAsync("run", "--name", "w", "-v", "data:/data", Image, "sh", "-c", "echo saved > /data/f")).EnsureSuccess();
        var inUse = await _agent.DockerAsync("volume", "rm", "data");
        Assert.NotEqual(0, inUse.ExitCode);
        (await _agent.DockerAsync("rm", "w")).EnsureSuccess();
        var read = (await _agent.DockerAsync("run", "--rm", "-v", "data:/data", Image, "cat", "/data/f")).EnsureSuccess();
        Assert.Equal("saved", read.StandardOutput.Trim());
        (await _agent.DockerAsync("volume", "rm", "data")).EnsureSuccess();
        Assert.Equal("", (await _agent.DockerAsync("volume", "ls", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task BadRunOptions_AreClientErrors_AndCreateNothing()
    {
        var negative = await _agent.DockerAsync("create", "--memory", "-1", Image, "true");
        Assert.NotEqual(0, negative.ExitCode);
        var restart = await _agent.DockerAsync("create", "--restart", "sometimes", Image, "true");
        Assert.NotEqual(0, restart.ExitCode);
        (await _agent.DockerAsync("create", "--name", "dup", Image, "true")).EnsureSuccess();
        var duplicate = await _agent.DockerAsync("create", "--name", "dup", Image, "true");
        Assert.Contains("already in use", duplicate.StandardError, StringComparison.Ordinal);
        var missing = await _agent.DockerAsync("create", "--pull", "never", "nothing:here", "true");
        Assert.Contains("no such image", missing.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("dup", (await _agent.DockerAsync("ps", "-a", "--format", "{{.Names}}")).EnsureSuccess().StandardOutput.Trim());
    }

    private async Task WaitForLogsAsync(string container, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var logs = (await _agent.DockerAsync("logs", container)).EnsureSuccess();
            if (logs.StandardOutput.Contains(expected, StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"logs of {container} never showed {expected}: {logs.StandardOutput}");
            await Task.Delay(100);
        }
    }
}

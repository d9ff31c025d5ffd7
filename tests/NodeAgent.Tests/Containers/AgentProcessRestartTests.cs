using System.Globalization;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Tests.Support;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.Containers;

/// <summary>
/// The agent as its own process, killed with SIGKILL and started again on the same state: running containers
/// keep running (same pid) and are managed by the new agent, exited ones keep their writable layers, and
/// restart policies still apply. Its network lives in a network namespace of the test's own.
/// </summary>
[Trait("Category", "EndToEnd")]
public abstract class AgentProcessRestartTests(string runtime) : IAsyncLifetime
{
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly string _subnet = $"10.{RandomNumberGenerator.GetInt32(100, 250)}.{RandomNumberGenerator.GetInt32(0, 250)}.0/24";
    private string _root = "";
    private string _netns = "";
    private RegistryFixture? _registry;
    private AgentProcess? _agent;

    private string NodeId => $"restart-{_suffix}";

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory($"flotilla-agent-restart-{_suffix}-").FullName;
        _netns = $"fltr-{_suffix}";
        (await ProcessRunner.RunAsync("ip", ["netns", "add", _netns])).EnsureSuccess();
        _registry = await RegistryFixture.StartAsync();
        await TestImages.Busybox.PushAsync(_registry.Address, "busybox", "1.0");
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                foreach (var id in (await _agent.DockerAsync("ps", "-aq")).StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await _agent.DockerAsync("rm", "-f", id);
                }

                await _agent.DisposeAsync();
            }
        }
        finally
        {
            await ForceCleanUpAsync();
        }
    }

    /// <summary>Whatever the agent could not remove (it failed to start, say): containers, mounts, namespace, cgroups, files.</summary>
    private async Task ForceCleanUpAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        var containers = Path.Combine(_root, "state", "containers");
        foreach (var directory in Directory.Exists(containers) ? Directory.GetDirectories(containers) : [])
        {
            await ProcessRunner.RunAsync(TestRuntimes.PathOf(runtime), ["--root", RuntimeRoot, "delete", "--force", Path.GetFileName(directory)]);
        }

        var mounts = File.ReadLines("/proc/self/mountinfo").Select(line => line.Split(' ')[4])
            .Where(target => target.StartsWith(_root + "/", StringComparison.Ordinal))
            .OrderByDescending(target => target.Length);
        foreach (var target in mounts)
        {
            await ProcessRunner.RunAsync("umount", ["-l", target]);
        }

        await ProcessRunner.RunAsync("ip", ["netns", "del", _netns]);
        CgroupCleanup.RemoveNode(NodeId);
        if (Directory.Exists(RuntimeRoot))
        {
            Directory.Delete(RuntimeRoot, recursive: true);
        }

        Directory.Delete(_root, recursive: true);
    }

    private string RuntimeRoot => $"/run/flotilla-{NodeId}";

    [Fact]
    public async Task SigkilledAgent_LeavesContainersRunning_AndTheNextAgentManagesThem()
    {
        _agent = await StartAgentAsync();
        var image = _registry!.Reference("busybox", "1.0");
        await DockerAsync("pull", image);
        await DockerAsync("run", "-d", "--name", "runner", image, "sh", "-c", "trap 'exit 0' TERM; while true; do echo tick; sleep 0.2; done");
        await DockerAsync("run", "-d", "--name", "layered", image, "sh", "-c", "if [ -f /state ]; then echo again; else echo first; fi; echo x > /state");
        await DockerAsync("run", "-d", "--name", "crashed", "--restart", "always", image, "sleep", "600");
        await DockerAsync("run", "-d", "--name", "adopted", "--restart", "always", image, "sleep", "600");
        await DockerAsync("run", "-d", "--name", "stopped-always", "--restart", "always", image, "sleep", "600");
        await DockerAsync("run", "-d", "--name", "stopped-unless", "--restart", "unless-stopped", image, "sleep", "600");
        await DockerAsync("stop", "-t", "0", "stopped-always", "stopped-unless");
        Assert.Equal("0", await DockerAsync("wait", "layered"));
        var runnerPid = await PidAsync("runner");
        var adoptedPid = await PidAsync("adopted");
        var crashedPid = await PidAsync("crashed");

        await _agent.KillAsync();
        await ProcessRunner.RunCheckedAsync("kill", ["-KILL", crashedPid.ToString(CultureInfo.InvariantCulture)]);
        var leftover = Directory.CreateDirectory(Path.Combine(_root, "state", "trash", "removal-cut-short-by-the-kill", "upper")).Parent!.FullName;
        Assert.True(IsRunning(runnerPid), "the running container died with the agent");
        await Task.Delay(500); // The container keeps logging with no agent around.

        _agent = await StartAgentAsync();

        // A removed container's directory whose deletion the kill cut short is deleted now.
        Assert.False(Directory.Exists(leftover), "the trash was not emptied at start");

        // Running containers kept running and are managed: inspect, logs (including what was written meanwhile), exec, stop.
        Assert.Equal(runnerPid, await PidAsync("runner"));
        Assert.Equal("running", await DockerAsync("inspect", "--format", "{{.State.Status}}", "runner"));
        Assert.Equal("hello", await DockerAsync("exec", "runner", "echo", "hello"));
        var ticks = (await DockerAsync("logs", "runner")).Split('\n').Length;
        Assert.True(ticks >= 3, $"only {ticks} log lines from a container logging every 0.2 s");
        await DockerAsync("stop", "runner");
        Assert.False(IsRunning(runnerPid));
        Assert.Equal("exited", await DockerAsync("inspect", "--format", "{{.State.Status}}", "runner"));

        // An exited container kept its writable layer.
        await DockerAsync("start", "layered");
        Assert.Equal("0", await DockerAsync("wait", "layered"));
        Assert.Equal("first\nagain", await DockerAsync("logs", "layered"));

        // Restart policies: a container that died while no agent ran is restarted; so is an adopted one that dies now.
        await WaitForAsync(async () => await DockerAsync("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "crashed") == "running 1", "crashed to be restarted");
        Assert.NotEqual(crashedPid, await PidAsync("crashed"));
        await ProcessRunner.RunCheckedAsync("kill", ["-KILL", adoptedPid.ToString(CultureInfo.InvariantCulture)]);
        await WaitForAsync(async () => await DockerAsync("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", "adopted") == "running 1", "adopted to be restarted");

        // As with Docker at daemon start: always comes back after a manual stop, unless-stopped does not.
        Assert.Equal("running", await DockerAsync("inspect", "--format", "{{.State.Status}}", "stopped-always"));
        Assert.Equal("exited", await DockerAsync("inspect", "--format", "{{.State.Status}}", "stopped-unless"));
    }

    private Task<AgentProcess> StartAgentAsync() => AgentProcess.StartAsync(Path.Combine(_root, "agent.sock"),
    [
        $"--Agent:StateDirectory={Path.Combine(_root, "state")}",
        "--Agent:HttpPort=0",
        $"--Agent:NodeId={NodeId}",
        $"--Runtime:Path={TestRuntimes.PathOf(runtime)}",
        $"--Runtime:Root={RuntimeRoot}",
        $"--Networking:BridgeName=flt{_suffix}",
        $"--Networking:Subnet={_subnet}",
        $"--Networking:HostNetworkNamespace=/run/netns/{_netns}",
        $"--Networking:NetnsDirectory={Path.Combine(_root, "netns")}",
        "--Logging:LogLevel:Default=Warning",
    ]);

    private async Task<string> DockerAsync(params string[] arguments)
    {
        var result = await _agent!.DockerAsync(arguments);
        Assert.True(result.Succeeded, $"{result}\nagent output:\n{_agent.Output}");
        return result.StandardOutput.Trim();
    }

    private async Task<int> PidAsync(string container) =>
        int.Parse(await DockerAsync("inspect", "--format", "{{.State.Pid}}", container), CultureInfo.InvariantCulture);

    private static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1][0] != 'Z';

    private async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}\nagent output:\n{_agent!.Output}");
            await Task.Delay(100);
        }
    }

    public sealed class OnRunc() : AgentProcessRestartTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : AgentProcessRestartTests(TestRuntimes.Flotilla);
}

using System.Diagnostics;
using System.Text.Json;
using Flotilla.Runtime.Tests.Support;

namespace Flotilla.Runtime.Tests.Lifecycle;

/// <summary>create/start/state/kill/delete as the node agent drives them, and run's exit status.</summary>
[Trait("Category", "Integration")]
public sealed class LifecycleTests
{
    private static async Task<JsonElement> StateAsync(RuntimeCli cli, string id)
    {
        var result = await cli.RunAsync("state", id);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement;
    }

    [Fact]
    public async Task CreateStartKillDelete_WalksTheSpecLifecycle()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("trap 'echo got-term; exit 3' TERM; echo started; while true; do sleep 0.1; done");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        var pidFile = Path.Combine(bundle.Dir, "pid");

        var create = await cli.RunAsync("create", "--bundle", bundle.Dir, "--pid-file", pidFile, id);
        Assert.True(create.ExitCode == 0, create.ToString());
        var created = await StateAsync(cli, id);
        Assert.Equal("created", created.GetProperty("status").GetString());
        Assert.Equal(int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture), created.GetProperty("pid").GetInt32());
        Assert.Equal(bundle.Dir, created.GetProperty("bundle").GetString());
        Assert.Equal(id, created.GetProperty("id").GetString());

        var start = await cli.RunAsync("start", id);
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("running", (await StateAsync(cli, id)).GetProperty("status").GetString());

        var deleteRunning = await cli.RunAsync("delete", id);
        Assert.NotEqual(0, deleteRunning.ExitCode);
        Assert.Contains("running", deleteRunning.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await cli.RunAsync("kill", id, "TERM")).ExitCode);
        var stopped = await WaitForStatusAsync(cli, id, "stopped");
        Assert.Equal(0, stopped.GetProperty("pid").GetInt32());

        var delete = await cli.RunAsync("delete", id);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.False(Directory.Exists(Path.Combine(cli.StateRoot, id)));
        Assert.Empty(bundle.LeftoverCgroups());
        Assert.NotEqual(0, (await cli.RunAsync("state", id)).ExitCode);
    }

    [Fact]
    public async Task DeleteForce_KillsACreatedContainerAndRemovesItsCgroup()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        Assert.Equal(0, (await cli.RunAsync("create", "--bundle", bundle.Dir, id)).ExitCode);
        Assert.NotEmpty(bundle.LeftoverCgroups());

        var delete = await cli.RunAsync("delete", "--force", id);

        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Empty(bundle.LeftoverCgroups());
        Assert.False(Directory.Exists(Path.Combine(cli.StateRoot, id)));
    }

    [Fact]
    public async Task DetachedCreate_PassesStdioThroughToTheProcess()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("echo out-line; echo err-line >&2");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        var output = Path.Combine(bundle.Dir, "out.txt");
        // As the agent does: the caller's fds 1 and 2 (here one file) go to the container process.
        var script = $"{RuntimeBinaries.Flotilla} --root {cli.StateRoot} create --bundle {bundle.Dir} {id} > {output} 2>&1 && " +
                     $"{RuntimeBinaries.Flotilla} --root {cli.StateRoot} start {id}";
        using (var shell = Process.Start("/bin/sh", ["-c", script]))
        {
            await shell.WaitForExitAsync();
            Assert.Equal(0, shell.ExitCode);
        }
        await WaitForStatusAsync(cli, id, "stopped");

        var text = await File.ReadAllTextAsync(output);
        Assert.Contains("out-line", text, StringComparison.Ordinal);
        Assert.Contains("err-line", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ForwardsSignalsToTheProcess()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("trap 'echo terminated; exit 7' TERM; echo ready; while true; do sleep 0.1; done");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        using var run = cli.Start(["run", "--bundle", bundle.Dir, bundle.NewId(RuntimeKind.Flotilla)]);
        Assert.Equal("ready", await run.StandardOutput.ReadLineAsync());

        using (var kill = Process.Start("kill", ["-TERM", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await run.WaitForExitAsync();

        Assert.Equal("terminated", await run.StandardOutput.ReadLineAsync());
        Assert.Equal(7, run.ExitCode);
    }

    [Fact]
    public async Task Run_ReportsDeathBySignalAs128PlusSignal()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.SetArgs("/bin/sleep", "30");
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        using var run = cli.Start(["run", "--bundle", bundle.Dir, id]);
        await WaitForStatusAsync(cli, id, "running");

        Assert.Equal(0, (await cli.RunAsync("kill", id, "KILL")).ExitCode);
        await run.WaitForExitAsync();

        Assert.Equal(137, run.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(cli.StateRoot, id)));
        Assert.Empty(bundle.LeftoverCgroups());
    }

    [Fact]
    public async Task State_ReportsOomKill()
    {
        await using var bundle = await TestBundle.CreateAsync();
        bundle.Shell("head -c 200m /dev/zero | tail > /dev/null");
        bundle.Spec.Resources()["memory"] = new System.Text.Json.Nodes.JsonObject { ["limit"] = 16 << 20, ["swap"] = 16 << 20 };
        bundle.Save();
        var cli = bundle.Cli(RuntimeKind.Flotilla);
        var id = bundle.NewId(RuntimeKind.Flotilla);
        Assert.Equal(0, (await cli.RunAsync("run", "--detach", "--bundle", bundle.Dir, id)).ExitCode);

        var state = await WaitForStatusAsync(cli, id, "stopped");

        Assert.True(state.GetProperty("oomKilled").GetBoolean());
    }

    internal static async Task<JsonElement> WaitForStatusAsync(RuntimeCli cli, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var result = await cli.RunAsync("state", id);
            if (result.ExitCode != 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50); // run saves the state once the process has started
                continue;
            }
            Assert.True(result.ExitCode == 0, result.ToString());
            var state = JsonDocument.Parse(result.Stdout).RootElement;
            if (state.GetProperty("status").GetString() == status)
            {
                return state;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"container {id} did not reach {status}: {state}");
            }
            await Task.Delay(50);
        }
    }
}

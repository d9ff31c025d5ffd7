using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.Cli.Tests.Support;
using Flotilla.TestSupport.Images;

namespace Flotilla.Cli.Tests.Local;

[Trait("Category", "Integration")]
[Collection(LocalAgentCollection.Name)]
public sealed class ContainerVerbsTests(LocalAgentFixture fixture)
{
    private readonly CliRunner _cli = fixture.Cli;

    private static string Unique(string prefix) => $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    [Fact]
    public async Task Run_InTheForeground_StreamsBothStreamsAndExitsWithTheContainersCode()
    {
        var name = Unique("fg");
        var result = await _cli.RunAsync("run", "--rm", "--name", name, fixture.Image, "sh", "-c", "echo out; echo err >&2; exit 3");

        result.Exits(3);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        var ps = (await _cli.RunAsync("ps", "-a")).Succeeds();
        Assert.DoesNotContain(name, ps.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithoutRm_KeepsTheExitedContainer()
    {
        var name = Unique("keep");
        (await _cli.RunAsync("run", "--name", name, fixture.Image, "true")).Succeeds();

        var ps = (await _cli.RunAsync("ps", "-a")).Succeeds();
        var row = ps.StandardOutput.Lines().Single(l => l.EndsWith(name, StringComparison.Ordinal));
        Assert.Contains("Exited (0)", row, StringComparison.Ordinal);
        (await _cli.RunAsync("rm", name)).Succeeds();
    }

    [Fact]
    public async Task Run_ACommandThatDoesNotExist_Exits127WithTheReason()
    {
        var result = await _cli.RunAsync("run", "--rm", fixture.Image, "no-such-command");

        result.FailsCleanly(127, "no-such-command");
    }

    [Fact]
    public async Task Run_AnImageNoRegistryHas_Exits125AndSaysSo()
    {
        var result = await _cli.RunAsync("run", "--rm", fixture.UnpulledImage("missing-tag"), "true");

        result.FailsCleanly(125, "missing-tag");
        Assert.Contains("Unable to find image", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AnImageNotYetPulled_PullsItFirst()
    {
        var image = fixture.Registry.Reference("httpd", "1.0");
        var result = await _cli.RunAsync("run", "--rm", "--entrypoint", "cat", image, "/www/index.html");

        result.Succeeds();
        Assert.Equal(TestImages.HttpdIndexHtml, result.StandardOutput);
        Assert.Contains("Pull complete", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "run", "--memory", "lots", "IMAGE" }, "invalid size \"lots\" for --memory")]
    [InlineData(new[] { "run", "--restart", "sometimes", "IMAGE" }, "invalid restart policy \"sometimes\"")]
    [InlineData(new[] { "run", "--bogus", "IMAGE" }, "unknown flag: --bogus")]
    [InlineData(new[] { "run", "-p", "99999:80", "IMAGE" }, "invalid port \"99999:80\"")]
    [InlineData(new[] { "run", "--rm", "--restart", "always", "IMAGE" }, "conflicting options")]
    [InlineData(new[] { "run" }, "\"run\" requires at least 1 argument")]
    [InlineData(new[] { "stop" }, "\"stop\" requires at least 1 argument")]
    [InlineData(new[] { "logs", "--tail", "-3", "x" }, "invalid value \"-3\" for --tail")]
    [InlineData(new[] { "ps", "-o", "yaml" }, "invalid output format \"yaml\"")]
    [InlineData(new[] { "frobnicate" }, "unknown command \"frobnicate\"")]
    [InlineData(new[] { "volume", "frob" }, "unknown command \"volume frob\"")]
    public async Task BadCommandLines_ExitWith2AndNameTheMistake(string[] args, string message)
    {
        var result = await _cli.RunAsync([.. args.Select(a => a == "IMAGE" ? fixture.Image : a)], standardInput: null);

        result.FailsCleanly(2, message);
        Assert.Contains("--help", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detached_ThePsLogsExecStatsStopStartRmCycle()
    {
        var name = Unique("cycle");
        var run = (await _cli.RunAsync("run", "-d", "--name", name, "-e", "GREETING=hello", "-l", "team=cli", fixture.Image,
            "sh", "-c", "echo started $GREETING; echo warn >&2; exec sleep 300")).Succeeds();
        var id = run.StandardOutput.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);

        var ps = (await _cli.RunAsync("ps")).Succeeds();
        Assert.Equal(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], ps.Header());
        var row = ps.StandardOutput.Lines().Single(l => l.EndsWith(name, StringComparison.Ordinal));
        Assert.StartsWith(id[..12], row, StringComparison.Ordinal);
        Assert.Contains("Up ", row, StringComparison.Ordinal);
        Assert.Contains(id[..12], (await _cli.RunAsync("ps", "-q")).Succeeds().StandardOutput.Lines());

        using (var json = JsonDocument.Parse((await _cli.RunAsync("ps", "-o", "json")).Succeeds().StandardOutput))
        {
            var mine = json.RootElement.EnumerateArray().Single(c => c.GetProperty("Id").GetString() == id);
            Assert.Equal($"/{name}", mine.GetProperty("Names")[0].GetString());
            Assert.Equal("cli", mine.GetProperty("Labels").GetProperty("team").GetString());
        }

        await WaitForAsync(async () => (await _cli.RunAsync("logs", name)).StandardOutput.Contains("started", StringComparison.Ordinal));
        var logs = (await _cli.RunAsync("logs", name)).Succeeds();
        Assert.Equal("started hello\n", logs.StandardOutput);
        Assert.Equal("warn\n", logs.StandardError);

        var exec = await _cli.RunAsync("exec", "-e", "X=1", name, "sh", "-c", "echo in $X; exit 7");
        exec.Exits(7);
        Assert.Equal("in 1\n", exec.StandardOutput);
        (await _cli.RunAsync("exec", name, "no-such-command")).Exits(127);

        var stats = (await _cli.RunAsync("stats", "--no-stream", name)).Succeeds();
        Assert.Equal(["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"], stats.Header());
        var statsRow = CliAssert.Cells(stats.StandardOutput.Lines().Single(l => l.StartsWith(id[..12], StringComparison.Ordinal)));
        Assert.Equal(name, statsRow[1]);
        Assert.Equal("1", statsRow[5]);

        var refused = await _cli.RunAsync("rm", name);
        refused.FailsCleanly(1, "stop it first or use force");

        Assert.Equal($"{name}\n", (await _cli.RunAsync("stop", "-t", "1", name)).Succeeds().StandardOutput);
        Assert.DoesNotContain(name, (await _cli.RunAsync("ps")).Succeeds().StandardOutput, StringComparison.Ordinal);
        var stopped = (await _cli.RunAsync("ps", "-a")).Succeeds().StandardOutput.Lines().Single(l => l.EndsWith(name, StringComparison.Ordinal));
        Assert.Contains("Exited (", stopped, StringComparison.Ordinal);

        (await _cli.RunAsync("start", name)).Succeeds();
        Assert.Contains(name, (await _cli.RunAsync("ps")).Succeeds().StandardOutput, StringComparison.Ordinal);
        (await _cli.RunAsync("restart", "-t", "1", name)).Succeeds();

        using (var inspect = JsonDocument.Parse((await _cli.RunAsync("inspect", name)).Succeeds().StandardOutput))
        {
            var container = inspect.RootElement.EnumerateArray().Single();
            Assert.Equal(id, container.GetProperty("Id").GetString());
            Assert.True(container.GetProperty("State").GetProperty("Running").GetBoolean());
        }

        Assert.Equal($"{name}\n", (await _cli.RunAsync("rm", "-f", name)).Succeeds().StandardOutput);
        (await _cli.RunAsync("inspect", name)).FailsCleanly(1, $"no such object: {name}");
        (await _cli.RunAsync("logs", name)).FailsCleanly(1, name);
    }

    [Fact]
    public async Task RunOptions_ReachTheContainer()
    {
        var name = Unique("opts");
        var result = await _cli.RunAsync("run", "--name", name, "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50", "--read-only",
            "--user", "nobody", "--workdir", "/tmp", "--hostname", "opts-host", fixture.Image,
            "sh", "-c", "id -u; pwd; hostname; touch /file 2>/dev/null && echo writable || echo read-only");

        result.Succeeds();
        Assert.Equal(["65534", "/tmp", "opts-host", "read-only"], result.StandardOutput.Lines());
        using var inspect = JsonDocument.Parse((await _cli.RunAsync("inspect", "--type", "container", name)).Succeeds().StandardOutput);
        var host = inspect.RootElement[0].GetProperty("HostConfig");
        Assert.Equal(64L << 20, host.GetProperty("Memory").GetInt64());
        Assert.Equal(500_000_000L, host.GetProperty("NanoCpus").GetInt64());
        Assert.Equal(50, host.GetProperty("PidsLimit").GetInt64());
        Assert.True(host.GetProperty("ReadonlyRootfs").GetBoolean());
        (await _cli.RunAsync("rm", name)).Succeeds();
    }

    [Fact]
    public async Task Logs_TailTimestampsSinceAndFollow()
    {
        var name = Unique("logs");
        (await _cli.RunAsync("run", "-d", "--name", name, fixture.Image, "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; sleep 1; echo late")).Succeeds();

        var follow = (await _cli.RunAsync("logs", "-f", name)).Succeeds();
        Assert.Equal(["line1", "line2", "line3", "line4", "line5", "late"], follow.StandardOutput.Lines());
        Assert.Equal(["line5", "late"], (await _cli.RunAsync("logs", "--tail", "2", name)).Succeeds().StandardOutput.Lines());
        var stamped = (await _cli.RunAsync("logs", "-t", "--tail", "1", name)).Succeeds().StandardOutput.Trim();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z late$", stamped);
        Assert.Equal(6, (await _cli.RunAsync("logs", "--since", "1h", name)).Succeeds().StandardOutput.Lines().Length);
        Assert.Empty((await _cli.RunAsync("logs", "--since", DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"), name)).Succeeds().StandardOutput);
        (await _cli.RunAsync("logs", "--since", "yesterday-ish", name)).FailsCleanly(2, "invalid value \"yesterday-ish\" for --since");
        (await _cli.RunAsync("rm", name)).Succeeds();
    }

    [Fact]
    public async Task Stats_Streaming_RefreshesUntilStopped()
    {
        var name = Unique("stats");
        (await _cli.RunAsync("run", "-d", "--name", name, fixture.Image, "sleep", "300")).Succeeds();
        try
        {
            using var process = _cli.Start(["stats", name]);
            var headers = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (headers < 2 && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("CONTAINER ID", StringComparison.Ordinal))
                {
                    headers++;
                }
            }

            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Equal(2, headers);
        }
        finally
        {
            (await _cli.RunAsync("rm", "-f", name)).Succeeds();
        }
    }

    [Fact]
    public async Task CtrlC_DuringAForegroundRun_ReachesTheContainer()
    {
        var name = Unique("sigint");
        using var process = _cli.Start(["run", "--rm", "--name", name, fixture.Image, "sh", "-c",
            "trap 'echo interrupted; exit 5' INT; echo ready; while true; do sleep 0.1; done"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("ready", await process.StandardOutput.ReadLineAsync(timeout.Token));

        (await Flotilla.TestSupport.Processes.ProcessRunner.RunAsync("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])).EnsureSuccess();

        Assert.Equal("interrupted", await process.StandardOutput.ReadLineAsync(timeout.Token));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(5, process.ExitCode);
    }

    [Fact]
    public async Task Kill_SendsTheSignalGiven()
    {
        var name = Unique("kill");
        (await _cli.RunAsync("run", "-d", "--name", name, fixture.Image, "sh", "-c", "trap 'exit 9' TERM; while true; do sleep 0.1; done")).Succeeds();

        Assert.Equal($"{name}\n", (await _cli.RunAsync("kill", "-s", "TERM", name)).Succeeds().StandardOutput);

        await WaitForAsync(async () => (await _cli.RunAsync("ps", "-a")).StandardOutput.Lines().Any(l => l.EndsWith(name, StringComparison.Ordinal) && l.Contains("Exited (9)", StringComparison.Ordinal)));
        (await _cli.RunAsync("kill", "-s", "NOPE", name)).FailsCleanly(1, "invalid signal \"NOPE\"");
        (await _cli.RunAsync("kill", name)).FailsCleanly(1, name);
        (await _cli.RunAsync("rm", name)).Succeeds();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within 20 seconds");
            await Task.Delay(100);
        }
    }
}

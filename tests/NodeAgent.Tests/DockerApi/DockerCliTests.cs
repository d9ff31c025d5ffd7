using Flotilla.NodeAgent.Tests.Support;

namespace Flotilla.NodeAgent.Tests.DockerApi;

/// <summary>The real docker CLI against the agent's socket, once per OCI runtime.</summary>
[Trait("Category", "Integration")]
public abstract class DockerCliTests(string runtime) : AgentTests(runtime)
{
    private const string Image = AgentFixture.Image;

    [Fact]
    public async Task VersionAndInfo_ReportTheAgent()
    {
        var version = (await Agent.DockerAsync("version", "--format", "{{.Server.Version}} {{.Server.APIVersion}}")).EnsureSuccess();
        Assert.Equal("0.1.0 1.47", version.StandardOutput.Trim());
        var info = (await Agent.DockerAsync("info", "--format", "{{.Driver}} {{.NCPU}} {{.LoggingDriver}}")).EnsureSuccess();
        Assert.Equal($"overlay {Environment.ProcessorCount} json-file", info.StandardOutput.Trim());
    }

    [Fact]
    public async Task RunDetached_Ps_Logs_Exec_Stop_Start_Rm()
    {
        var run = (await Agent.DockerAsync("run", "-d", "--name", "web", "-e", "GREETING=hi", "--memory", "64m", "--cpus", "0.5", Image,
            "sh", "-c", "echo $GREETING; trap 'exit 0' TERM; while true; do sleep 0.1; done")).EnsureSuccess();
        var id = run.StandardOutput.Trim();
        Assert.Equal(64, id.Length);

        var ps = (await Agent.DockerAsync("ps", "--format", "{{.Names}} {{.Image}} {{.State}}")).EnsureSuccess();
        Assert.Equal($"web {Image} running", ps.StandardOutput.Trim());

        await WaitForLogsAsync("web", "hi");
        var exec = (await Agent.DockerAsync("exec", "web", "sh", "-c", "echo out; echo err >&2; cat /sys/fs/cgroup/memory/memory.limit_in_bytes")).EnsureSuccess();
        Assert.Equal($"out\n{64 * 1024 * 1024}", exec.StandardOutput.Trim());
        Assert.Equal("err", exec.StandardError.Trim());
        var failing = await Agent.DockerAsync("exec", "web", "sh", "-c", "exit 7");
        Assert.Equal(7, failing.ExitCode);

        var remove = await Agent.DockerAsync("rm", "web");
        Assert.NotEqual(0, remove.ExitCode);
        Assert.Contains("container web is running: stop it first or use force", remove.StandardError, StringComparison.Ordinal);

        (await Agent.DockerAsync("stop", "web")).EnsureSuccess();
        var stopped = (await Agent.DockerAsync("ps", "-a", "--format", "{{.Names}} {{.Status}}")).EnsureSuccess();
        Assert.StartsWith("web Exited (0)", stopped.StandardOutput.Trim(), StringComparison.Ordinal);

        (await Agent.DockerAsync("start", "web")).EnsureSuccess();
        Assert.Equal("running", (await Agent.DockerAsync("inspect", "--format", "{{.State.Status}}", "web")).EnsureSuccess().StandardOutput.Trim());
        (await Agent.DockerAsync("rm", "-f", "web")).EnsureSuccess();
        Assert.Equal("", (await Agent.DockerAsync("ps", "-a", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task RunAttachedWithRm_PrintsOutput_ReturnsExitCode_AndRemoves()
    {
        var run = await Agent.DockerAsync("run", "--rm", Image, "sh", "-c", "echo hello; echo oops >&2; exit 4");
        Assert.Equal(4, run.ExitCode);
        Assert.Equal("hello", run.StandardOutput.Trim());
        Assert.Equal("oops", run.StandardError.Trim());
        Assert.Equal("", (await Agent.DockerAsync("ps", "-a", "-q")).EnsureSuccess().StandardOutput.Trim());

        // A container that cannot start is removed too, and the CLI returns rather than waiting for that forever.
        var missing = await Agent.DockerAsync("run", "--rm", Image, "/no/such/program");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("/no/such/program", missing.StandardError, StringComparison.Ordinal);
        Assert.Equal("", (await Agent.DockerAsync("ps", "-a", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task Volumes_CreateListMount_RefuseRemovalInUse_Remove()
    {
        (await Agent.DockerAsync("volume", "create", "data")).EnsureSuccess();
        Assert.Equal("data", (await Agent.DockerAsync("volume", "ls", "--format", "{{.Name}}")).EnsureSuccess().StandardOutput.Trim());
        (await Agent.DockerAsync("run", "--name", "w", "-v", "data:/data", Image, "sh", "-c", "echo saved > /data/f")).EnsureSuccess();
        var inUse = await Agent.DockerAsync("volume", "rm", "data");
        Assert.NotEqual(0, inUse.ExitCode);
        (await Agent.DockerAsync("rm", "w")).EnsureSuccess();
        var read = (await Agent.DockerAsync("run", "--rm", "-v", "data:/data", Image, "cat", "/data/f")).EnsureSuccess();
        Assert.Equal("saved", read.StandardOutput.Trim());
        (await Agent.DockerAsync("volume", "rm", "data")).EnsureSuccess();
        Assert.Equal("", (await Agent.DockerAsync("volume", "ls", "-q")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task BadRunOptions_AreClientErrors_WithAMessage_AndCreateNothing()
    {
        (await Agent.DockerAsync("create", "--name", "dup", Image, "true")).EnsureSuccess();
        var containers = Directory.GetDirectories(Path.Combine(Agent.StateDirectory, "containers")).Length;

        // The CLI checks some options itself; the API must refuse them too, with a 4xx naming the problem.
        using var client = AgentHttp.CreateClient(Agent.SocketPath);
        var cases = new (string Body, string Name, int Status, string Message)[]
        {
            ("""{"Image":"IMAGE","Cmd":["true"],"HostConfig":{"Memory":-1}}""", "neg", 400, "invalid memory limit -1"),
            ("""{"Image":"IMAGE","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}""", "sometimes", 400, "invalid restart policy \"sometimes\""),
            ("""{"Image":"IMAGE","Cmd":["true"]}""", "dup", 409, "the container name \"dup\" is already in use"),
            ("""{"Image":"nothing:here","Cmd":["true"]}""", "missing", 404, "No such image: nothing:here"),
        };
        foreach (var (body, name, status, message) in cases)
        {
            using var content = new StringContent(body.Replace("IMAGE", Image, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri($"/v1.41/containers/create?name={name}", UriKind.Relative), content);
            var text = await response.Content.ReadAsStringAsync();
            var error = System.Text.Json.Nodes.JsonNode.Parse(text)?["message"]?.GetValue<string>() ?? "";
            Assert.True((int)response.StatusCode == status, $"{name}: {(int)response.StatusCode} {text}");
            Assert.Contains(message, error, StringComparison.OrdinalIgnoreCase);
        }

        var restart = await Agent.DockerAsync("create", "--restart", "sometimes", Image, "true");
        Assert.NotEqual(0, restart.ExitCode);
        var duplicate = await Agent.DockerAsync("create", "--name", "dup", Image, "true");
        Assert.Contains("already in use", duplicate.StandardError, StringComparison.Ordinal);
        var missing = await Agent.DockerAsync("create", "--pull", "never", "nothing:here", "true");
        Assert.Contains("no such image", missing.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("dup", (await Agent.DockerAsync("ps", "-a", "--format", "{{.Names}}")).EnsureSuccess().StandardOutput.Trim());
        Assert.Equal(containers, Directory.GetDirectories(Path.Combine(Agent.StateDirectory, "containers")).Length);
    }

    [Fact]
    public async Task Rmi_IsRefusedWhileAContainerUsesTheImage_UnlessForced()
    {
        (await Agent.DockerAsync("create", "--name", "user", Image, "sleep", "60")).EnsureSuccess();

        var refused = await Agent.DockerAsync("rmi", Image);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("user", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains(Image, (await Agent.DockerAsync("images", "--format", "{{.Repository}}:{{.Tag}}")).EnsureSuccess().StandardOutput, StringComparison.Ordinal);

        (await Agent.DockerAsync("rmi", "--force", Image)).EnsureSuccess();
        Assert.DoesNotContain(Image, (await Agent.DockerAsync("images", "--format", "{{.Repository}}:{{.Tag}}")).EnsureSuccess().StandardOutput, StringComparison.Ordinal);
        // The container still stands on the image's layers.
        (await Agent.DockerAsync("start", "user")).EnsureSuccess();
        Assert.Equal("ok", (await Agent.DockerAsync("exec", "user", "echo", "ok")).EnsureSuccess().StandardOutput.Trim());
    }

    [Fact]
    public async Task Wait_And_StatsNoStream()
    {
        (await Agent.DockerAsync("run", "-d", "--name", "busy", "--memory", "64m", Image, "sh", "-c", "sleep 1; exit 6")).EnsureSuccess();
        var stats = (await Agent.DockerAsync("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", "busy")).EnsureSuccess();
        var fields = stats.StandardOutput.Trim().Split(' ');
        Assert.Equal("busy", fields[0]);
        Assert.EndsWith("64MiB", stats.StandardOutput.Trim().Split('/')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], StringComparison.Ordinal);
        Assert.True(int.Parse(fields[^1], System.Globalization.CultureInfo.InvariantCulture) >= 1, stats.StandardOutput);

        var wait = (await Agent.DockerAsync("wait", "busy")).EnsureSuccess();
        Assert.Equal("6", wait.StandardOutput.Trim());
        Assert.Equal("6", (await Agent.DockerAsync("wait", "busy")).EnsureSuccess().StandardOutput.Trim());
    }

    private async Task WaitForLogsAsync(string container, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var logs = (await Agent.DockerAsync("logs", container)).EnsureSuccess();
            if (logs.StandardOutput.Contains(expected, StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"logs of {container} never showed {expected}: {logs.StandardOutput}");
            await Task.Delay(100);
        }
    }

    public sealed class OnRunc() : DockerCliTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : DockerCliTests(TestRuntimes.Flotilla);
}

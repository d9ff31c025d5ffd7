using System.Text.Json;
using Flotilla.Cli.Tests.Local;
using Flotilla.Cli.Tests.Support;

namespace Flotilla.Cli.Tests.Cluster;

[Trait("Category", "Integration")]
public sealed class ClusterVerbsTests(ControlPlaneHostFixture fixture) : IClassFixture<ControlPlaneHostFixture>
{
    private readonly CliRunner _cli = fixture.Cli;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private string WriteSpec(string text)
    {
        var path = Path.Combine(_cli.Home, $"spec-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    private static string Spec(string name, int replicas, string memory = "64Mi", string port = "8000") => $"""
        name: {name}
        image: 127.0.0.1:5000/hello:1.0
        replicas: {replicas}
        command: ["httpd", "-f", "-p", "{port}"]
        resources: {"{"} cpu: 0.25, memory: {memory} {"}"}
        ports: [ {"{"} name: http, container: 8000 {"}"} ]
        """;

    [Fact]
    public async Task Nodes_ListAndShowTheRegisteredNode()
    {
        var nodes = (await _cli.RunAsync("nodes")).Succeeds();
        Assert.Equal(["ID", "ADDRESS", "STATE", "CPU", "MEMORY", "ALLOCATIONS", "HEARTBEAT", "LABELS"], nodes.Header());
        var row = CliAssert.Cells(nodes.StandardOutput.Lines().Single(l => l.StartsWith(fixture.NodeId, StringComparison.Ordinal)));
        Assert.Equal("127.0.0.1", row[1]);
        Assert.EndsWith("/4", row[3], StringComparison.Ordinal);
        Assert.Equal("zone=a", row[7]);

        using (var json = JsonDocument.Parse((await _cli.RunAsync("nodes", "-o", "json")).Succeeds().StandardOutput))
        {
            var node = json.RootElement.EnumerateArray().Single(n => n.GetProperty("id").GetString() == fixture.NodeId);
            Assert.Equal(4000, node.GetProperty("capacity").GetProperty("milliCpu").GetInt64());
        }

        var show = (await _cli.RunAsync("node", fixture.NodeId)).Succeeds();
        Assert.Contains($"ID:             {fixture.NodeId}", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Agent version:  simulated", show.StandardOutput, StringComparison.Ordinal);
        (await _cli.RunAsync("node", "no-such-node")).FailsCleanly(1, "node no-such-node is not registered");
    }

    [Fact]
    public async Task Deploy_Workload_Scale_Update_Delete()
    {
        var name = Unique("web");
        var path = WriteSpec(Spec(name, 2));

        var created = (await _cli.RunAsync("deploy", "-f", path)).Succeeds();
        Assert.Equal($"workload {name} created (revision 1, 2 replicas desired)\n", created.StandardOutput);

        await WaitForAsync(async () => ListRow(await _cli.RunAsync("workloads"), name)?[2] == "2/2");
        var row = ListRow((await _cli.RunAsync("workloads")).Succeeds(), name)!;
        Assert.Equal("127.0.0.1:5000/hello:1.0", row[1]);

        var show = (await _cli.RunAsync("workload", name)).Succeeds();
        Assert.Contains("Replicas:   2 running, 0 pending, 2 desired", show.StandardOutput, StringComparison.Ordinal);
        var replicas = show.StandardOutput.Lines().Where(l => l.Contains(fixture.NodeId, StringComparison.Ordinal) && l.Contains("http=", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, replicas.Count);

        Assert.Contains("updated", (await _cli.RunAsync("deploy", "-f", WriteSpec(Spec(name, 3, port: "8001")))).Succeeds().StandardOutput, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse((await _cli.RunAsync("workload", name, "-o", "json")).Succeeds().StandardOutput))
        {
            Assert.Equal(3, json.RootElement.GetProperty("desiredReplicas").GetInt32());
            Assert.Equal(2, json.RootElement.GetProperty("revision").GetInt64());
        }

        Assert.Equal($"workload {name} scaled to 1 replica\n", (await _cli.RunAsync("scale", name, "1")).Succeeds().StandardOutput);
        using (var json = JsonDocument.Parse((await _cli.RunAsync("workload", name, "-o", "json")).Succeeds().StandardOutput))
        {
            Assert.Equal(1, json.RootElement.GetProperty("desiredReplicas").GetInt32());
        }

        var events = (await _cli.RunAsync("events", "--workload", name)).Succeeds();
        Assert.Equal(["TIME", "KIND", "WORKLOAD", "NODE", "MESSAGE"], events.Header());
        Assert.True(events.StandardOutput.Lines().Length > 1, events.StandardOutput);

        Assert.Equal($"workload {name} deleted\n", (await _cli.RunAsync("delete", name)).Succeeds().StandardOutput);
        (await _cli.RunAsync("workload", name)).FailsCleanly(1, $"workload {name} does not exist");
        (await _cli.RunAsync("scale", name, "2")).FailsCleanly(1, name);
        (await _cli.RunAsync("scale", name, "many")).FailsCleanly(2, "invalid replica count \"many\"");
    }

    [Fact]
    public async Task Deploy_AReplicaThatFitsNowhere_ShowsWhyItIsPending()
    {
        var name = Unique("big");
        (await _cli.RunAsync("deploy", "-f", WriteSpec(Spec(name, 1, memory: "1Ti")))).Succeeds();

        var show = (await _cli.RunAsync("workload", name)).Succeeds();
        Assert.Contains("0 running, 1 pending", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("memory", show.StandardOutput.Lines().Single(l => l.Contains("Pending", StringComparison.OrdinalIgnoreCase) && l.StartsWith(name, StringComparison.Ordinal)), StringComparison.Ordinal);
        (await _cli.RunAsync("delete", name)).Succeeds();
    }

    [Theory]
    [InlineData("replicas: -1", "replicas")]
    [InlineData("resources: { memory: lots }", "resources.memory")]
    [InlineData("colour: blue", "colour")]
    public async Task Deploy_ABadSpec_NamesTheFieldAndCreatesNothing(string line, string field)
    {
        var name = Unique("bad");
        var path = WriteSpec($"name: {name}\nimage: 127.0.0.1:5000/hello:1.0\n{line}\n");

        var result = await _cli.RunAsync("deploy", "-f", path);

        result.FailsCleanly(1, $"{field}:");
        Assert.Contains("is not a valid workload spec", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(name, (await _cli.RunAsync("workloads")).Succeeds().StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_ReadsJsonFromStandardInput()
    {
        var name = Unique("json");
        var json = $$"""{"name": "{{name}}", "image": "127.0.0.1:5000/hello:1.0", "replicas": 1}""";

        var result = await _cli.RunAsync(["deploy", "-f", "-"], standardInput: json);

        result.Succeeds();
        Assert.Contains($"workload {name} created", result.StandardOutput, StringComparison.Ordinal);
        (await _cli.RunAsync("delete", name)).Succeeds();
    }

    [Fact]
    public async Task Tokens_ComeFromTheFlagTheFileTheEnvironmentOrTheConfigFile()
    {
        // With no token given anywhere, the CLI falls back to the embedded control plane's token file when this host has one.
        (await fixture.Anonymous.RunAsync("workloads")).FailsCleanly(1, File.Exists("/var/lib/flotilla/controlplane/api-token")
            ? "refused the token from /var/lib/flotilla/controlplane/api-token"
            : "requires a token");
        (await fixture.Anonymous.RunAsync("workloads", "--token", "wrong-token-0123456789")).FailsCleanly(1, "refused the token from --token");

        var tokenFile = Path.Combine(fixture.Anonymous.Home, "token");
        await File.WriteAllTextAsync(tokenFile, ControlPlaneHostFixture.ApiToken + "\n");
        (await fixture.Anonymous.RunAsync("workloads", "--token-file", tokenFile)).Succeeds();
        (await fixture.Anonymous.With("FLOTILLA_TOKEN_FILE", tokenFile).RunAsync("nodes")).Succeeds();
        (await fixture.Anonymous.RunAsync("workloads", "--token-file", tokenFile + ".missing")).FailsCleanly(1, "cannot read token file");

        // ~/.config/flotilla/config.json: the server and a token file relative to the config file.
        var config = Path.Combine(fixture.Anonymous.Home, ".config", "flotilla", "config.json");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        var withoutServer = fixture.Anonymous.With("FLOTILLA_SERVER", "");
        try
        {
            await File.WriteAllTextAsync(config, $$"""{"server": "{{fixture.Server}}", "tokenFile": "../../token"}""");
            (await withoutServer.RunAsync("nodes")).Succeeds();
            await File.WriteAllTextAsync(config, """{"server": "http://127.0.0.1:1", "colour": "blue"}""");
            (await withoutServer.RunAsync("nodes")).FailsCleanly(1, "unknown field \"colour\"");
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task AControlPlaneThatIsNotThere_IsNamedInTheError()
    {
        var result = await _cli.RunAsync("workloads", "--server", "http://127.0.0.1:1");

        result.FailsCleanly(1, "cannot reach the control plane at http://127.0.0.1:1/");
    }

    private static string[]? ListRow(Flotilla.TestSupport.Processes.ProcessResult result, string name) =>
        result.StandardOutput.Lines().Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Select(CliAssert.Cells).FirstOrDefault();

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not come true within 30 seconds");
            await Task.Delay(200);
        }
    }
}

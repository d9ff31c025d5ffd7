using System.Globalization;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Tests.Support;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Registry;

namespace Flotilla.NodeAgent.Tests.DockerApi;

/// <summary><c>/containers/{id}/stats</c> and the agent's Prometheus <c>/metrics</c>, read from real cgroups, once per OCI runtime.</summary>
[Trait("Category", "Integration")]
public abstract class StatsAndMetricsTests(string runtime) : AgentTests(runtime)
{
    private const long Limit = 64L * 1024 * 1024;

    [Fact]
    public async Task Stats_OneShot_AndStreaming_ReadTheCgroup()
    {
        (await Agent.DockerAsync("run", "-d", "--name", "burner", "--memory", "64m", "--pids-limit", "20", AgentFixture.Image, "sh", "-c", "while :; do :; done")).EnsureSuccess();
        using var client = AgentHttp.CreateClient(Agent.SocketPath);

        var once = JsonNode.Parse(await client.GetStringAsync(new Uri("/v1.41/containers/burner/stats?stream=false", UriKind.Relative)))!;
        Assert.Equal(Limit, once["memory_stats"]!["limit"]!.GetValue<long>());
        Assert.True(once["memory_stats"]!["usage"]!.GetValue<long>() > 0);
        Assert.Equal(1, once["pids_stats"]!["current"]!.GetValue<int>());
        Assert.Equal(20, once["pids_stats"]!["limit"]!.GetValue<int>());
        Assert.Equal("/burner", once["name"]!.GetValue<string>());

        using var response = await client.GetAsync(new Uri("/v1.41/containers/burner/stats", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        var second = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        var firstCpu = first["cpu_stats"]!["cpu_usage"]!["total_usage"]!.GetValue<ulong>();
        var secondCpu = second["cpu_stats"]!["cpu_usage"]!["total_usage"]!.GetValue<ulong>();
        Assert.True(secondCpu > firstCpu, $"a busy loop used no CPU between two readings ({firstCpu} → {secondCpu})");
        Assert.Equal(firstCpu, second["precpu_stats"]!["cpu_usage"]!["total_usage"]!.GetValue<ulong>());
        Assert.True(DateTimeOffset.Parse(second["read"]!.GetValue<string>(), CultureInfo.InvariantCulture) > DateTimeOffset.Parse(first["read"]!.GetValue<string>(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Metrics_HaveCadvisorSeriesPerContainer_AndTheAgentsOwn()
    {
        await using var registry = await RegistryFixture.StartAsync();
        // Content of its own, so the pull downloads it rather than finding the busybox layer already stored.
        var pulled = new OciImageBuilder().AddLayer(l => l.File("payload.txt", Guid.NewGuid().ToString())).WithCmd("true").Build();
        await pulled.PushAsync(registry.Address, "pulled", "1.0");
        (await Agent.DockerAsync("pull", registry.Reference("pulled", "1.0"))).EnsureSuccess();

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        (await Agent.DockerAsync("run", "-d", "--name", "web", "--memory", "64m", AgentFixture.Image, "sh", "-c", "(head -c 300m /dev/zero | tail); sleep 60")).EnsureSuccess();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        (await Agent.DockerAsync("run", "--name", "done", AgentFixture.Image, "true")).EnsureSuccess();
        var id = Engine.Get("web").Id;
        var labels = $"id=\"/flotilla/{Agent.NodeId}/{id}\",image=\"{AgentFixture.Image}\",name=\"web\"";

        using var http = new HttpClient { BaseAddress = Agent.HttpAddress };
        Dictionary<string, double> metrics = [];
        await WaitForAsync(() =>
        {
            metrics = Parse(http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult());
            return metrics.GetValueOrDefault($"container_oom_events_total{{{labels}}}") >= 1;
        }, "an OOM event of the web container in /metrics", TimeSpan.FromSeconds(30));

        Assert.Equal(1, metrics[$"container_oom_events_total{{{labels}}}"]);
        Assert.Equal(Limit, metrics[$"container_spec_memory_limit_bytes{{{labels}}}"]);
        Assert.True(metrics[$"container_cpu_usage_seconds_total{{{labels}}}"] > 0);
        var workingSet = metrics[$"container_memory_working_set_bytes{{{labels}}}"];
        Assert.InRange(workingSet, 1, Limit);
        Assert.InRange(metrics[$"container_memory_usage_bytes{{{labels}}}"], workingSet, Limit);
        Assert.InRange(metrics[$"container_start_time_seconds{{{labels}}}"], Math.Floor(before), after);
        Assert.True(metrics[$"container_last_seen{{{labels}}}"] >= after);
        Assert.DoesNotContain(metrics.Keys, key => key.Contains("name=\"done\"", StringComparison.Ordinal));

        Assert.Equal(1, metrics["flotilla_agent_containers{state=\"running\"}"]);
        Assert.Equal(1, metrics["flotilla_agent_containers{state=\"exited\"}"]);
        Assert.True(metrics["flotilla_agent_runtime_call_duration_seconds_count{operation=\"run\"}"] >= 2);
        Assert.Equal(1, metrics["flotilla_agent_image_pull_duration_seconds_count"]);
        Assert.True(metrics["flotilla_agent_image_pull_bytes_total"] >= pulled.Layers.Sum(l => l.Blob.Size));
    }

    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('#'))
            {
                var space = line.LastIndexOf(' ');
                samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return samples;
    }

    public sealed class OnRunc() : StatsAndMetricsTests(TestRuntimes.Runc);

    public sealed class OnFlotillaRuntime() : StatsAndMetricsTests(TestRuntimes.Flotilla);
}

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Registry;

namespace Flotilla.EndToEnd.Tests.Scheduling;

/// <summary>
/// The whole scheduling path with real processes: a control plane, two node agents in netns hosts
/// joined to it, and a registry they pull from. Workloads deployed through REST spread over both hosts,
/// answer on the scheduler's host ports, follow scale and delete, and a control plane restart loses nothing.
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class SchedulingEndToEndTests
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };

    public static TheoryData<string> Runtimes => ["runc", "flotilla-runtime"];

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task DeployScaleDeleteAndRestart_OverTwoHosts(string runtime)
    {
        var runtimePath = RuntimePath(runtime);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        await using var hosts = await NetnsHosts.CreateAsync(2);
        await using var registry = await RegistryFixture.StartAsync();
        await TestImages.Httpd.PushAsync(registry.Address, "httpd", "1.0");
        await using var relay = TcpForwarder.Start(hosts.GatewayAddress, registry.Address);
        var hostsRegistry = relay.Address;
        await using var controlPlane = await ControlPlaneProcess.StartAsync();
        using var api = new SchedulingApi(controlPlane.RestPort, ControlPlaneProcess.ApiToken);
        var agents = new List<AgentProcess>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                agents.Add(await AgentProcess.StartAsync(new()
                {
                    NodeId = $"e2e-sched-{suffix}-{i.ToString(CultureInfo.InvariantCulture)}",
                    Host = hosts[i],
                    RuntimePath = runtimePath,
                    Arguments =
                    [
                        $"--Networking:Subnet=10.253.{i.ToString(CultureInfo.InvariantCulture)}.0/24",
                        $"--Images:PlainHttpRegistries:0={hostsRegistry}",
                        $"--ControlPlane:Address=http://{hosts.GatewayAddress}:{controlPlane.GrpcPort.ToString(CultureInfo.InvariantCulture)}",
                        $"--ControlPlane:Labels:host={hosts[i].Name}",
                        "--ControlPlane:ReconcileInterval=00:00:01",
                        "--ControlPlane:ReportInterval=00:00:05",
                        "--ControlPlane:MaxReconnectDelay=00:00:02",
                        "--ControlPlane:StopTimeout=00:00:01",
                    ],
                    Environment = new Dictionary<string, string> { ["ControlPlane__JoinToken"] = ControlPlaneProcess.JoinToken },
                }));
            }

            string Logs() => string.Join("\n", agents.Select(a => $"--- {a}:\n{a.LogTail(30)}")) + $"\n--- control plane:\n{controlPlane.LogTail()}";
            var nodeOf = agents.ToDictionary(a => a.NodeId, a => a);
            string Spec(string name, int replicas) => $"""
                name: {name}
                image: {hostsRegistry}/httpd:1.0
                replicas: {replicas}
                resources: {"{"} cpu: 0.1, memory: 32Mi, pids: 64 {"}"}
                ports: [ {"{"} name: http, container: {TestImages.HttpdPort} {"}"} ]
                placement: {"{"} strategy: spread {"}"}
                """;

            async Task<IReadOnlyList<SchedulingApi.Replica>> RunningAsync(string name, int count)
            {
                var workload = await api.WaitForAsync(
                    name,
                    w => w is { } v && v.GetProperty("runningReplicas").GetInt32() == count && v.GetProperty("replicas").GetArrayLength() == count,
                    $"{count} running replicas",
                    Logs);
                return SchedulingApi.Running(workload!.Value);
            }

            // Both agents registered, with the address their host ports answer on (found by routing towards the control plane).
            foreach (var agent in agents)
            {
                var node = await WaitForNodeAsync(api, agent.NodeId, Logs);
                Assert.Equal(agent.Host!.Address, node.GetProperty("address").GetString());
            }

            // Deploy 4: spread 2 and 2, each answering from the test's namespace and from the other host.
            var web = $"web-{suffix}";
            await api.DeployAsync(Spec(web, 4));
            var four = await RunningAsync(web, 4);
            Assert.Equal([2, 2], four.GroupBy(r => r.Node).Select(g => g.Count()).Order());
            foreach (var replica in four)
            {
                Assert.Equal(nodeOf[replica.Node].Host!.Address, replica.Address);
                Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica));
                var other = agents.First(a => a.NodeId != replica.Node).Host!;
                var fromOtherHost = await other.RunAsync("curl", "-sS", "--max-time", "5", $"http://{replica.Address}:{replica.HostPort.ToString(CultureInfo.InvariantCulture)}/");
                Assert.True(fromOtherHost.Succeeded, fromOtherHost.ToString());
                Assert.Equal(TestImages.HttpdIndexHtml, fromOtherHost.StandardOutput);
            }

            Assert.Equal(four.Select(r => r.Id).Order(), (await ContainersAsync(agents, web)).Keys.Order());

            // Scale to 6 (3 and 3), then back to 2 (1 and 1): the hosts follow.
            await api.ScaleAsync(web, 6);
            var six = await RunningAsync(web, 6);
            Assert.Equal([3, 3], six.GroupBy(r => r.Node).Select(g => g.Count()).Order());
            foreach (var replica in six)
            {
                Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica));
            }

            await api.ScaleAsync(web, 2);
            var two = await RunningAsync(web, 2);
            Assert.Equal([1, 1], two.GroupBy(r => r.Node).Select(g => g.Count()).Order());
            await WaitUntilAsync(async () => (await ContainersAsync(agents, web)).Count == 2, "the agents removed the four replicas scaled away", Logs);
            Assert.Equal(two.Select(r => r.Id).Order(), (await ContainersAsync(agents, web)).Keys.Order());

            // A second workload stays through the restart; the first is deleted before it.
            var keep = $"keep-{suffix}";
            await api.DeployAsync(Spec(keep, 2));
            var kept = await RunningAsync(keep, 2);
            await api.DeleteAsync(web);
            await api.WaitForAsync(web, w => w is null, "been deleted", Logs);
            await WaitUntilAsync(async () => (await ContainersAsync(agents, web)).Count == 0, "the agents removed the deleted workload", Logs);
            var before = await ContainersAsync(agents, keep);

            // Restart every silo: nothing is lost and no container is restarted.
            await controlPlane.RestartAsync();
            foreach (var agent in agents)
            {
                await WaitForNodeAsync(api, agent.NodeId, Logs);
            }

            Assert.Null(await api.GetWorkloadAsync(web));
            var afterRestart = await RunningAsync(keep, 2);
            Assert.Equal(kept.Select(r => (r.Id, r.Node, r.HostPort)).Order(), afterRestart.Select(r => (r.Id, r.Node, r.HostPort)).Order());
            Assert.Equal(before, await ContainersAsync(agents, keep));
            foreach (var replica in afterRestart)
            {
                Assert.Equal(TestImages.HttpdIndexHtml, await GetAsync(replica));
            }

            // And the restarted control plane still drives the hosts.
            await api.ScaleAsync(keep, 4);
            await RunningAsync(keep, 4);
            Assert.Equal(4, (await ContainersAsync(agents, keep)).Count);
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    private static string RuntimePath(string runtime)
    {
        if (runtime == "runc")
        {
            return "runc";
        }

        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
        {
            directory = directory.Parent;
        }

        var path = Environment.GetEnvironmentVariable("FLOTILLA_RUNTIME_PATH")
            ?? Path.Combine(directory?.FullName ?? ".", "artifacts", "bin", "Runtime", "flotilla-runtime");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: publish it (scripts/test.sh does) or set FLOTILLA_RUNTIME_PATH");
    }

    /// <summary>The agents' containers of <paramref name="workload"/> as docker ps shows them: allocation id → "container id on node".</summary>
    private static async Task<Dictionary<string, string>> ContainersAsync(IEnumerable<AgentProcess> agents, string workload)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            var listed = await agent.DockerAsync("ps", "-a", "--no-trunc", "--filter", $"label=flotilla.workload={workload}", "--format", "{{.Names}} {{.ID}} {{.State}}");
            Assert.True(listed.Succeeded, listed + agent.LogTail());
            foreach (var line in listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var fields = line.Split(' ');
                result[fields[0]] = $"{fields[1]} {fields[2]} on {agent.NodeId}";
            }
        }

        return result;
    }

    private static async Task<JsonElement> WaitForNodeAsync(SchedulingApi api, string nodeId, Func<string> logs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var node = await api.GetAsync($"/v1/nodes/{nodeId}");
                last = node;
                if (node.GetProperty("state").GetString() == "Ready" && node.GetProperty("appliedVersion").GetInt64() == node.GetProperty("desiredVersion").GetInt64())
                {
                    return node;
                }
            }
            catch (InvalidOperationException)
            {
                // Not registered yet.
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"node {nodeId} never became Ready and converged; last seen {last?.GetRawText() ?? "(none)"}\n{logs()}");
    }

    private static async Task<string> GetAsync(SchedulingApi.Replica replica)
    {
        var url = new Uri($"http://{replica.Address}:{replica.HostPort.ToString(CultureInfo.InvariantCulture)}/");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                return await Http.GetStringAsync(url);
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Func<string> logs)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}\n{logs()}");
            }

            await Task.Delay(300);
        }
    }
}

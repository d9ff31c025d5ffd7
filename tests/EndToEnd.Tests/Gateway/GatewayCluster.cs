using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Flotilla.EndToEnd.Tests.Scheduling;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Registry;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// Everything a gateway test needs as real processes: a registry holding httpd:1.0, a control plane, two
/// node agents (runc) in netns hosts joined to it, and a gateway subscribed to its route feed.
/// </summary>
internal sealed class GatewayCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<AgentProcess> _agents = [];

    private GatewayCluster()
    {
    }

    /// <summary>A random suffix for this cluster's global names (workloads, node ids).</summary>
    public string Suffix { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public ControlPlaneProcess ControlPlane { get; private set; } = null!;

    public SchedulingApi Api { get; private set; } = null!;

    public GatewayProcess Gateway { get; private set; } = null!;

    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>The registry as the agents reach it (<c>host:port</c>).</summary>
    public string Registry { get; private set; } = "";

    /// <param name="subnetBase">The agents' container subnets are <c>{subnetBase}.0.0/24</c> and <c>{subnetBase}.1.0/24</c>.</param>
    public static async Task<GatewayCluster> StartAsync(string subnetBase)
    {
        var cluster = new GatewayCluster();
        try
        {
            await cluster.StartCoreAsync(subnetBase);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A workload of httpd:1.0 answering its host name on <c>/x/id</c>, exposed on <c>/x</c> and health-checked there.</summary>
    public string Spec(string name, int replicas) => $$"""
        name: {{name}}
        image: {{Registry}}/httpd:1.0
        replicas: {{replicas}}
        command: [sh, -c, "mkdir -p /www/x && hostname > /www/x/id && exec httpd -f -p {{TestImages.HttpdPort}} -h /www"]
        resources: { cpu: 0.1, memory: 32Mi, pids: 64 }
        ports: [ { name: http, container: {{TestImages.HttpdPort}} } ]
        expose: { path: /x, port: http }
        health: { http: { path: /x/id, port: http }, interval: 1s, timeout: 1s, retries: 1 }
        restart: { policy: never }
        placement: { strategy: spread }
        """;

    public string Logs() => string.Join("\n", _agents.Select(a => $"--- {a}:\n{a.LogTail(20)}"))
        + $"\n--- control plane:\n{ControlPlane?.LogTail()}\n--- gateway:\n{Gateway?.LogTail()}";

    /// <summary>Waits until every agent is Ready with its allocations applied.</summary>
    public async Task WaitForNodesAsync()
    {
        foreach (var agent in _agents)
        {
            await WaitUntilAsync(() => NodeReadyAsync(agent.NodeId), $"node {agent.NodeId} is Ready");
        }
    }

    /// <summary>Waits for exactly <paramref name="count"/> replicas Running and Healthy; returns them.</summary>
    public async Task<IReadOnlyList<SchedulingApi.Replica>> HealthyAsync(string workload, int count)
    {
        var found = await Api.WaitForAsync(
            workload,
            w => w is { } v && HealthyIds(v).Count == count && v.GetProperty("runningReplicas").GetInt32() == count,
            $"{count} running healthy replicas",
            Logs);
        var healthy = HealthyIds(found!.Value);
        return [.. SchedulingApi.Running(found.Value).Where(r => healthy.Contains(r.Id))];
    }

    /// <summary>The ids of the replicas the control plane shows Running and Healthy.</summary>
    public static HashSet<string> HealthyIds(JsonElement workload) =>
        [.. workload.GetProperty("replicas").EnumerateArray()
            .Where(r => r.GetProperty("state").GetString() == "Running" && r.GetProperty("health").GetString() == "Healthy")
            .Select(r => r.GetProperty("id").GetString()!)];

    /// <summary>Waits until the gateway's available destinations for the workload are exactly <paramref name="replicas"/>.</summary>
    public async Task WaitForDestinationsAsync(string workload, IEnumerable<SchedulingApi.Replica> replicas)
    {
        var expected = replicas.Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
        IReadOnlyList<string> last = [];
        await WaitUntilAsync(
            async () =>
            {
                last = [.. (await Gateway.AvailableDestinationsAsync(workload)).Order(StringComparer.Ordinal)];
                return last.SequenceEqual(expected);
            },
            $"the gateway routes {workload} to [{string.Join(", ", expected)}] (last [{string.Join(", ", last)}])");
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}\n{Logs()}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private async Task StartCoreAsync(string subnetBase)
    {
        var hosts = await NetnsHosts.CreateAsync(2);
        _owned.Add(hosts);
        var registry = await RegistryFixture.StartAsync();
        _owned.Add(registry);
        await TestImages.Httpd.PushAsync(registry.Address, "httpd", "1.0");
        var relay = TcpForwarder.Start(hosts.GatewayAddress, registry.Address);
        _owned.Add(relay);
        Registry = relay.Address;
        ControlPlane = await ControlPlaneProcess.StartAsync();
        _owned.Add(ControlPlane);
        Api = new SchedulingApi(ControlPlane.RestPort, ControlPlaneProcess.ApiToken);
        var grpcPort = ControlPlane.GrpcPort.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < 2; i++)
        {
            var agent = await AgentProcess.StartAsync(new()
            {
                NodeId = $"e2e-gw-{Suffix}-{i.ToString(CultureInfo.InvariantCulture)}",
                Host = hosts[i],
                RuntimePath = "runc",
                Arguments =
                [
                    $"--Networking:Subnet={subnetBase}.{i.ToString(CultureInfo.InvariantCulture)}.0/24",
                    $"--Images:PlainHttpRegistries:0={Registry}",
                    $"--ControlPlane:Address=http://{hosts.GatewayAddress}:{grpcPort}",
                    "--ControlPlane:ReconcileInterval=00:00:01",
                    "--ControlPlane:ReportInterval=00:00:05",
                    "--ControlPlane:MaxReconnectDelay=00:00:02",
                    "--ControlPlane:StopTimeout=00:00:01",
                ],
                Environment = new Dictionary<string, string> { ["ControlPlane__JoinToken"] = ControlPlaneProcess.JoinToken },
            });
            _agents.Add(agent);
            _owned.Add(agent);
        }

        Gateway = await GatewayProcess.StartAsync($"http://127.0.0.1:{grpcPort}", ControlPlaneProcess.ApiToken);
        _owned.Add(Gateway);
        await WaitForNodesAsync();
    }

    private async Task<bool> NodeReadyAsync(string nodeId)
    {
        try
        {
            var node = await Api.GetAsync($"/v1/nodes/{nodeId}");
            return node.GetProperty("state").GetString() == "Ready"
                && node.GetProperty("appliedVersion").GetInt64() == node.GetProperty("desiredVersion").GetInt64();
        }
        catch (Exception error) when (error is InvalidOperationException or HttpRequestException)
        {
            return false;
        }
    }
}

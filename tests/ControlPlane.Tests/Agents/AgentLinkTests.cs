using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts.Agent;
using Flotilla.Contracts.Routes;
using Flotilla.ControlPlane.Tests.Hosting;
using Flotilla.TestSupport.Agents;
using Grpc.Core;

namespace Flotilla.ControlPlane.Tests.Agents;

/// <summary>
/// Agents speaking the real agent protocol to a real control plane: placement reaches them as
/// whole allocation sets, their reports drive workload status and the gateway's route feed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AgentLinkTests : IAsyncLifetime
{
    private const string Spec = """
        name: web
        image: localhost:5000/web:1.0
        replicas: 4
        resources: { cpu: 0.1, memory: 32Mi }
        ports: [ { name: http, container: 8000 } ]
        expose: { host: web.local, path: /, port: http }
        """;

    private readonly string _data = TestControlPlane.NewDataDirectory();
    private TestControlPlane _cp = null!;

    public async Task InitializeAsync() => _cp = await TestControlPlane.StartAsync(_data);

    public async Task DisposeAsync()
    {
        await _cp.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private async Task<JsonElement> DeployAsync(string spec)
    {
        var response = await _cp.Rest.PostAsync("/v1/workloads", new StringContent(spec, Encoding.UTF8, "application/yaml"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> WaitForWorkloadAsync(string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await _cp.Rest.GetFromJsonAsync<JsonElement>($"/v1/workloads/{name}");
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"workload {name} never reached the expected state: {last}");
    }

    [Fact]
    public async Task Deploy_SpreadsOverBothAgents_ReportsRunning_AndFeedsTheGateway()
    {
        await using var a = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-a", "10.1.0.1");
        await using var b = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-b", "10.1.0.2");

        await DeployAsync(Spec);

        var setA = await a.WaitForAsync(s => s.Allocations.Count == 2);
        var setB = await b.WaitForAsync(s => s.Allocations.Count == 2);
        Assert.All(setA.Allocations.Concat(setB.Allocations), alloc =>
        {
            Assert.Equal("localhost:5000/web:1.0", alloc.Image);
            Assert.Equal(8000, alloc.Ports.Single().ContainerPort);
            Assert.InRange(alloc.Ports.Single().HostPort, 20000, 29999);
        });
        Assert.Equal(2, setA.Allocations.Select(x => x.Ports.Single().HostPort).Distinct().Count());

        var workload = await WaitForWorkloadAsync("web", w => w.GetProperty("runningReplicas").GetInt32() == 4);
        var addresses = workload.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("address").GetString()).ToList();
        Assert.Equal(2, addresses.Count(x => x!.StartsWith("10.1.0.1:", StringComparison.Ordinal)));
        Assert.Equal(2, addresses.Count(x => x!.StartsWith("10.1.0.2:", StringComparison.Ordinal)));

        var feed = new RouteFeed.RouteFeedClient(_cp.Grpc);
        using var watch = feed.Watch(new WatchRoutesRequest { GatewayId = "gw-test" }, TestControlPlane.ApiHeaders);
        RouteTable table;
        do
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
            table = watch.ResponseStream.Current;
        }
        while (table.Routes.SingleOrDefault()?.Destinations.Count != 4);

        var route = table.Routes.Single();
        Assert.Equal("web", route.Workload);
        Assert.Equal("web.local", route.Host);
        Assert.Equal(addresses.Order(StringComparer.Ordinal), route.Destinations.Select(d => d.Address).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ScaleUpDownAndDelete_ReachTheAgentsAsNewAllocationSets()
    {
        await using var a = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-a");
        await using var b = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-b");
        await DeployAsync(Spec);
        await WaitForWorkloadAsync("web", w => w.GetProperty("runningReplicas").GetInt32() == 4);

        await _cp.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = 6 });
        await a.WaitForAsync(s => s.Allocations.Count == 3);
        await b.WaitForAsync(s => s.Allocations.Count == 3);

        await _cp.Rest.PostAsJsonAsync("/v1/workloads/web/scale", new { replicas = 2 });
        await a.WaitForAsync(s => s.Allocations.Count == 1);
        await b.WaitForAsync(s => s.Allocations.Count == 1);

        var versionBeforeDelete = a.Current.Version;
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await _cp.Rest.DeleteAsync("/v1/workloads/web")).StatusCode);
        var emptied = await a.WaitForAsync(s => s.Allocations.Count == 0);
        await b.WaitForAsync(s => s.Allocations.Count == 0);
        Assert.True(emptied.Version > versionBeforeDelete);
    }

    [Fact]
    public async Task Replica_ThatFitsNowhere_StaysPendingWithAReason_AndIsPlacedWhenCapacityAppears()
    {
        await using var small = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "small", memoryBytes: 1L << 30);
        await DeployAsync(Spec.Replace("memory: 32Mi", "memory: 4Gi", StringComparison.Ordinal).Replace("replicas: 4", "replicas: 1", StringComparison.Ordinal));

        var pending = await WaitForWorkloadAsync("web", w => w.GetProperty("pendingReplicas").GetInt32() == 1);
        Assert.Equal("no node has 4Gi memory free: 1 node checked", pending.GetProperty("replicas")[0].GetProperty("reason").GetString());

        await using var big = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "big", memoryBytes: 16L << 30);
        await big.WaitForAsync(s => s.Allocations.Count == 1);
        await WaitForWorkloadAsync("web", w => w.GetProperty("runningReplicas").GetInt32() == 1);
    }

    [Fact]
    public async Task Report_ForAnAllocationOfAnotherNode_IsRefusedAndChangesNothing()
    {
        await using var a = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-a");
        await using var b = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-b");
        b.ReportRunning = false;
        await DeployAsync(Spec.Replace("replicas: 4", "replicas: 2", StringComparison.Ordinal));
        var foreignId = (await b.WaitForAsync(s => s.Allocations.Count == 1)).Allocations[0].AllocationId;

        var client = new AgentLink.AgentLinkClient(_cp.Grpc);
        var report = new ReportAllocationsRequest { NodeId = "node-a" };
        report.Allocations.Add(new AllocationStatus { AllocationId = foreignId, Phase = AllocationPhase.Failed, Message = "forged" });
        var error = await Assert.ThrowsAsync<RpcException>(() => client.ReportAllocationsAsync(report, a.NodeHeaders).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var workload = await _cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
        var replica = workload.GetProperty("replicas").EnumerateArray().Single(r => r.GetProperty("id").GetString() == foreignId);
        Assert.Equal("Assigned", replica.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Calls_ForANodeNotRegistered_OrWithTheWrongNodeToken_AreRefused()
    {
        await using var a = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-a");
        var client = new AgentLink.AgentLinkClient(_cp.Grpc);

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            client.HeartbeatAsync(new HeartbeatRequest { NodeId = "never-registered" }, a.NodeHeaders).ResponseAsync);
        var wrongToken = await Assert.ThrowsAsync<RpcException>(() =>
            client.HeartbeatAsync(new HeartbeatRequest { NodeId = "node-a" }, new Metadata
            {
                { "authorization", $"Bearer {TestControlPlane.JoinToken}" },
                { "x-flotilla-node-token", "0000" },
            }).ResponseAsync);
        var noJoinToken = await Assert.ThrowsAsync<RpcException>(() =>
            client.RegisterAsync(new RegisterRequest { NodeId = "intruder", Address = "10.0.0.9", Capacity = new NodeCapacity { MilliCpu = 1, MemoryBytes = 1, Pids = 1 } }).ResponseAsync);
        var apiTokenIsNotAJoinToken = await Assert.ThrowsAsync<RpcException>(() =>
            client.RegisterAsync(new RegisterRequest { NodeId = "intruder", Address = "10.0.0.9", Capacity = new NodeCapacity { MilliCpu = 1, MemoryBytes = 1, Pids = 1 } }, TestControlPlane.ApiHeaders).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, unknown.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, wrongToken.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, noJoinToken.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, apiTokenIsNotAJoinToken.StatusCode);
        var nodes = await _cp.Rest.GetFromJsonAsync<JsonElement[]>("/v1/nodes");
        Assert.Equal(["node-a"], nodes!.Select(n => n.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Register_WithBadFields_IsInvalidArgumentNamingThem()
    {
        var client = new AgentLink.AgentLinkClient(_cp.Grpc);
        var headers = new Metadata { { "authorization", $"Bearer {TestControlPlane.JoinToken}" } };

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.RegisterAsync(new RegisterRequest { NodeId = "Bad/Node", Address = "not-an-ip" }, headers).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("node_id", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("address", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("capacity", error.Status.Detail, StringComparison.Ordinal);
    }
}

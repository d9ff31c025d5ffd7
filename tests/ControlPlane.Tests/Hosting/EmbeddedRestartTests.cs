using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts.Routes;
using Flotilla.TestSupport.Agents;

namespace Flotilla.ControlPlane.Tests.Hosting;

/// <summary>Embedded mode keeps everything in local files: a restart loses no spec, node or allocation.</summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedRestartTests : IDisposable
{
    private readonly string _data = TestControlPlane.NewDataDirectory();

    [Fact]
    public async Task Restart_KeepsWorkloadsNodesAllocationsAndRoutes()
    {
        string before;
        List<string> allocationsBefore;
        long routeVersionBefore;
        await using (var cp = await TestControlPlane.StartAsync(_data))
        {
            await using var a = await SimulatedAgent.StartAsync(cp.Grpc, TestControlPlane.JoinToken, "node-a", "10.2.0.1");
            await using var b = await SimulatedAgent.StartAsync(cp.Grpc, TestControlPlane.JoinToken, "node-b", "10.2.0.2");
            var created = await cp.Rest.PostAsync("/v1/workloads", new StringContent(
                "name: web\nimage: localhost:5000/web:1\nreplicas: 4\nports: [ { name: http, container: 80 } ]\nexpose: { port: http }\n",
                Encoding.UTF8, "application/yaml"));
            Assert.True(created.IsSuccessStatusCode);
            await a.WaitForAsync(s => s.Allocations.Count == 2);
            await b.WaitForAsync(s => s.Allocations.Count == 2);
            before = await WaitForRunningAsync(cp, 4);
            allocationsBefore = [.. a.Current.Allocations.Concat(b.Current.Allocations).Select(x => $"{x.AllocationId}:{x.Ports[0].HostPort}").Order(StringComparer.Ordinal)];
            routeVersionBefore = (await FirstRouteTableAsync(cp)).Version;
        }

        await using var restarted = await TestControlPlane.StartAsync(_data);

        // Before any agent reconnects, the API already knows everything.
        var workload = await restarted.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
        Assert.Equal(before, Summary(workload));
        var nodes = await restarted.Rest.GetFromJsonAsync<JsonElement[]>("/v1/nodes");
        Assert.Equal(["node-a", "node-b"], nodes!.Select(n => n.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.All(nodes!, n => Assert.Equal(2, n.GetProperty("allocations").GetInt32()));
        var table = await FirstRouteTableAsync(restarted);
        Assert.Equal(routeVersionBefore, table.Version);
        Assert.Equal(4, table.Routes.Single().Destinations.Count);

        // Agents rejoin and get the same allocation sets back.
        await using var a2 = await SimulatedAgent.StartAsync(restarted.Grpc, TestControlPlane.JoinToken, "node-a", "10.2.0.1");
        await using var b2 = await SimulatedAgent.StartAsync(restarted.Grpc, TestControlPlane.JoinToken, "node-b", "10.2.0.2");
        await a2.WaitForAsync(s => s.Allocations.Count == 2);
        await b2.WaitForAsync(s => s.Allocations.Count == 2);
        Assert.Equal(allocationsBefore, a2.Current.Allocations.Concat(b2.Current.Allocations).Select(x => $"{x.AllocationId}:{x.Ports[0].HostPort}").Order(StringComparer.Ordinal));
    }

    private static async Task<RouteTable> FirstRouteTableAsync(TestControlPlane cp)
    {
        // Route updates travel one-way behind the replica reports: wait for the table that has them all.
        using var call = new RouteFeed.RouteFeedClient(cp.Grpc).Watch(new WatchRoutesRequest { GatewayId = "test" }, TestControlPlane.ApiHeaders);
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (call.ResponseStream.Current.Routes.SingleOrDefault()?.Destinations.Count == 4)
            {
                return call.ResponseStream.Current;
            }
        }

        throw new InvalidOperationException("the route feed ended");
    }

    private static async Task<string> WaitForRunningAsync(TestControlPlane cp, int running)
    {
        for (var i = 0; i < 300; i++)
        {
            var workload = await cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
            if (workload.GetProperty("runningReplicas").GetInt32() == running)
            {
                return Summary(workload);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("replicas never all ran");
    }

    private static string Summary(JsonElement workload) =>
        $"v{workload.GetProperty("version")} r{workload.GetProperty("revision")} running={workload.GetProperty("runningReplicas")} " +
        string.Join(",", workload.GetProperty("replicas").EnumerateArray()
            .Select(r => $"{r.GetProperty("id")}@{r.GetProperty("nodeId")}={r.GetProperty("address")}")
            .Order(StringComparer.Ordinal));

    public void Dispose() => Directory.Delete(_data, recursive: true);
}

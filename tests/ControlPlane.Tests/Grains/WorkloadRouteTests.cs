using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flotilla.Contracts.Routes;
using Flotilla.ControlPlane.Tests.Hosting;
using Flotilla.TestSupport.Agents;

namespace Flotilla.ControlPlane.Tests.Grains;

/// <summary>
/// What the gateway's route feed shows right after a workload command, before any agent reports:
/// a new exposed workload is routed (503 until healthy, not 404) and an update drops the old replicas at once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class WorkloadRouteTests : IAsyncLifetime
{
    private const string Spec = """
        name: web
        image: localhost:5000/web:1.0
        replicas: 2
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

    [Fact]
    public async Task Create_PublishesTheRoute_BeforeAnyReplicaReports()
    {
        // No agent at all: the replicas stay Pending and nothing will ever report.
        Assert.Equal(HttpStatusCode.Created, (await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec))).StatusCode);

        var route = await WaitForRouteAsync(r => r is not null);

        Assert.Equal("web.local", route!.Host);
        Assert.Empty(route.Destinations);
    }

    [Fact]
    public async Task Update_DropsTheOldReplicasFromTheRoute_BeforeTheNewOnesReport()
    {
        await using var agent = await SimulatedAgent.StartAsync(_cp.Grpc, TestControlPlane.JoinToken, "node-a", "10.1.0.1");
        await _cp.Rest.PostAsync("/v1/workloads", Yaml(Spec));
        var old = await WaitForRouteAsync(r => r?.Destinations.Count == 2);

        // From here the agent reports nothing: only the update itself can change the route.
        agent.ReportRunning = false;
        using var update = new HttpRequestMessage(HttpMethod.Put, "/v1/workloads/web") { Content = Yaml(Spec.Replace("web:1.0", "web:2.0", StringComparison.Ordinal)) };
        Assert.Equal(HttpStatusCode.OK, (await _cp.Rest.SendAsync(update)).StatusCode);

        var route = await WaitForRouteAsync(r => r?.Destinations.Count != 2);
        Assert.Empty(route!.Destinations);
        var workload = await _cp.Rest.GetFromJsonAsync<JsonElement>("/v1/workloads/web");
        Assert.DoesNotContain(
            workload.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("id").GetString()),
            id => old!.Destinations.Any(d => d.ReplicaId == id));
    }

    private static StringContent Yaml(string yaml) => new(yaml, Encoding.UTF8, "application/yaml");

    /// <summary>Reads the route feed, as a gateway does, until the route of "web" satisfies <paramref name="condition"/>.</summary>
    private async Task<Route?> WaitForRouteAsync(Func<Route?, bool> condition)
    {
        var feed = new RouteFeed.RouteFeedClient(_cp.Grpc);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var watch = feed.Watch(new WatchRoutesRequest { GatewayId = "gw-test" }, TestControlPlane.ApiHeaders, cancellationToken: timeout.Token);
        Route? last = null;
        while (await watch.ResponseStream.MoveNext(timeout.Token))
        {
            last = watch.ResponseStream.Current.Routes.SingleOrDefault(r => r.Workload == "web");
            if (condition(last))
            {
                return last;
            }
        }

        throw new TimeoutException($"the route feed ended without the expected route; last: {last}");
    }
}

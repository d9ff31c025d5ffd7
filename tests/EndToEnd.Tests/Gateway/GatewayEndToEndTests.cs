using System.Globalization;
using System.Net;
using Flotilla.EndToEnd.Tests.Scheduling;
using Flotilla.TestSupport;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// The gateway as a user meets it, with every part a real process: a control plane, two node agents in
/// netns hosts and the gateway fed by the control plane's route feed. Traffic to an exposed path is spread
/// over every healthy replica, follows scaling, loses a killed replica after a bounded number of errors,
/// keeps flowing while the control plane is down, and converges again once it is back.
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class GatewayEndToEndTests
{
    /// <summary>Requests that may fail after a replica is SIGKILLed: about one per client before the passive check takes it out.</summary>
    private const int MaxErrorsAfterKill = 6;

    private const int Clients = 2;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task TrafficFollowsReplicas_ThroughScaleKillAndControlPlaneOutage()
    {
        await using var cluster = await GatewayCluster.StartAsync("10.252");
        var api = cluster.Api;
        var gateway = cluster.Gateway;

        // Before the workload exists its path is unknown to the gateway.
        var url = new Uri(gateway.ProxyUri, "/x/id");
        using (var unknown = await Http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        // Two replicas, one per host, each serving its own host name: the gateway routes to exactly those and traffic reaches both.
        var web = $"gw-{cluster.Suffix}";
        await api.DeployAsync(cluster.Spec(web, 2));
        var two = await cluster.HealthyAsync(web, 2);
        Assert.Equal(2, two.Select(r => r.Node).Distinct().Count());
        await cluster.WaitForDestinationsAsync(web, two);
        var identities = await IdentitiesAsync(two);
        Assert.Equal(2, identities.Values.Distinct().Count());
        Assert.Equal(identities.Values.Order(), (await SpreadAsync(url, 40)).Keys.Order());

        // Scaling up adds destinations.
        await api.ScaleAsync(web, 4);
        var four = await cluster.HealthyAsync(web, 4);
        await cluster.WaitForDestinationsAsync(web, four);
        identities = await IdentitiesAsync(four);
        Assert.Equal(4, identities.Values.Distinct().Count());
        Assert.Equal(identities.Values.Order(), (await SpreadAsync(url, 80)).Keys.Order());

        await using var traffic = new TrafficLoop(url, Clients);
        Assert.All(await traffic.WaitForAsync(TrafficLoop.Mark(), 20), o => Assert.True(o.Ok, $"{o.Status}: {o.Body}"));

        // SIGKILL one replica's container: the gateway stops sending to it after a few errors at most,
        // and requests sent once it is out of rotation all succeed on the others.
        var victim = four[0];
        var afterKill = TrafficLoop.Mark();
        var killed = await cluster.Agents.Single(a => a.NodeId == victim.Node).DockerAsync("kill", victim.Id);
        Assert.True(killed.Succeeded, killed + cluster.Logs());
        var survivors = four.Skip(1).ToList();
        await cluster.WaitForDestinationsAsync(web, survivors);
        var steady = await traffic.WaitForAsync(TrafficLoop.Mark(), 60);
        var errors = traffic.Since(afterKill).Where(o => !o.Ok).ToList();
        Assert.True(errors.Count <= MaxErrorsAfterKill, $"{errors.Count} failed requests after the kill:\n{string.Join('\n', errors)}");
        Assert.All(steady, o => Assert.True(o.Ok, $"{o.Status}: {o.Body}"));
        Assert.DoesNotContain(identities[victim.Id], steady.Select(o => o.Body));
        Assert.Equal(survivors.Select(r => identities[r.Id]).Order(), steady.Select(o => o.Body).Distinct().Order());

        // The control plane goes away: the gateway keeps its last table and traffic keeps flowing.
        await cluster.ControlPlane.StopAsync();
        await cluster.WaitUntilAsync(
            async () => !(await gateway.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean(),
            "the gateway noticed the control plane is gone");
        var outage = TrafficLoop.Mark();
        var duringOutage = await traffic.WaitForAsync(outage, 100);
        Assert.All(duringOutage, o => Assert.True(o.Ok, $"{o.Status}: {o.Body}"));
        Assert.Equal(survivors.Select(r => identities[r.Id]).Order(), duringOutage.Select(o => o.Body).Distinct().Order());
        Assert.Equal(survivors.Select(r => r.Id).Order(), (await gateway.AvailableDestinationsAsync(web)).Order());

        // Back again: the gateway reconnects and follows the next change.
        await cluster.ControlPlane.RestartAsync();
        await cluster.WaitUntilAsync(
            async () => (await gateway.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean(),
            "the gateway reconnected to the control plane");
        await cluster.WaitForNodesAsync();
        await api.ScaleAsync(web, 5);
        var final = await cluster.HealthyAsync(web, 4);
        Assert.Single(final, r => !four.Any(f => f.Id == r.Id));
        await cluster.WaitForDestinationsAsync(web, final);
        identities = await IdentitiesAsync(final);
        var converged = await traffic.WaitForAsync(TrafficLoop.Mark(), 120);
        Assert.All(traffic.Since(outage), o => Assert.True(o.Ok, $"{o.Status}: {o.Body}"));
        Assert.Equal(identities.Values.Order(), converged.Select(o => o.Body).Distinct().Order());
    }

    /// <summary>Each replica's answer on /x/id asked directly at its host port: replica id → identity.</summary>
    private static async Task<Dictionary<string, string>> IdentitiesAsync(IEnumerable<SchedulingApi.Replica> replicas)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            var body = await Http.GetStringAsync(new Uri($"http://{replica.Address}:{replica.HostPort.ToString(CultureInfo.InvariantCulture)}/x/id"));
            result[replica.Id] = body.Trim();
        }

        return result;
    }

    /// <summary>Sends <paramref name="count"/> requests through the gateway, each on a new connection: identity → answers.</summary>
    private static async Task<Dictionary<string, int>> SpreadAsync(Uri url, int count)
    {
        var answers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var body = (await Http.GetStringAsync(url)).Trim();
            answers[body] = answers.GetValueOrDefault(body) + 1;
        }

        return answers;
    }
}

using System.Net;
using Flotilla.Gateway.Tests.Fixtures;

namespace Flotilla.Gateway.Tests.Proxy;

/// <summary>Static stability: the gateway's behaviour while the control plane is away.</summary>
[Trait("Category", "Integration")]
public sealed class ControlPlaneOutageTests
{
    [Fact]
    public async Task StartingWithoutControlPlane_Serves503_ThenRoutesOnceItComesUp()
    {
        var port = FreePort.Next();
        await using var a = await Upstream.StartAsync("web-a");
        await using var gateway = await GatewayHost.StartAsync($"http://127.0.0.1:{port}");

        using var early = await gateway.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Contains("no route table yet", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var health = await gateway.Admin.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        await using var feed = await RouteFeedServer.StartAsync(port);
        feed.Publish(Routes.For("web", "/", a));
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.GetAsync("/");
            return response.StatusCode == HttpStatusCode.OK;
        }, "the gateway to reconnect and route");
    }

    [Fact]
    public async Task ControlPlaneStopping_DoesNotStopTraffic_AndARestartedOneIsPickedUp()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var b = await Upstream.StartAsync("web-b");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", a)).Version);

        await feed.StopAsync();
        await Eventually.TrueAsync(async () => !(await gateway.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean(), "the gateway to notice the outage");
        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("web-a", await response.Content.ReadAsStringAsync());
        }

        var subscriptionsBefore = feed.Subscriptions;
        feed.Publish(Routes.For("web", "/", b));
        await feed.StartAsync();
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.GetAsync("/");
            return await response.Content.ReadAsStringAsync() == "web-b";
        }, "the gateway to resubscribe and apply the new table");
        Assert.True(feed.Subscriptions > subscriptionsBefore);
    }

    [Fact]
    public async Task RestartWithoutControlPlane_ServesTheLastTableFromTheRouteTableFile()
    {
        var directory = Directory.CreateTempSubdirectory("flotilla-gateway-test-");
        try
        {
            var settings = new Dictionary<string, string?> { ["Gateway:RouteTableFile"] = Path.Combine(directory.FullName, "routes.json") };
            await using var a = await Upstream.StartAsync("web-a");
            await using (var feed = await RouteFeedServer.StartAsync())
            await using (var first = await GatewayHost.StartAsync(feed.Address, settings))
            {
                await first.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", a)).Version);
            }

            await using var restarted = await GatewayHost.StartAsync($"http://127.0.0.1:{FreePort.Next()}", settings);
            await Eventually.TrueAsync(async () =>
            {
                using var response = await restarted.GetAsync("/");
                return response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "web-a";
            }, "the restarted gateway to serve the saved table");
            Assert.False((await restarted.RoutesAsync()).GetProperty("controlPlaneConnected").GetBoolean());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

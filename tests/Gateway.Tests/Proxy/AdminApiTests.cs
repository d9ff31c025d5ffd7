using System.Net;
using Flotilla.Gateway.Tests.Fixtures;

namespace Flotilla.Gateway.Tests.Proxy;

[Trait("Category", "Integration")]
public sealed class AdminApiTests
{
    [Fact]
    public async Task Routes_And_Metrics_DescribeTheTableAndTraffic()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        var version = feed.Publish(Routes.For("web", "web.local", "/web", a)).Version;
        await gateway.WaitForVersionAsync(version);
        for (var i = 0; i < 3; i++)
        {
            using var _ = await gateway.GetAsync("/web", "web.local");
        }

        using var missing = await gateway.GetAsync("/nothing");

        var routes = await gateway.RoutesAsync();
        Assert.True(routes.GetProperty("controlPlaneConnected").GetBoolean());
        var route = Assert.Single(routes.GetProperty("routes").EnumerateArray());
        Assert.Equal("web", route.GetProperty("workload").GetString());
        Assert.Equal("web.local", route.GetProperty("host").GetString());
        Assert.Equal("/web", route.GetProperty("pathPrefix").GetString());
        Assert.Equal("PowerOfTwoChoices", route.GetProperty("loadBalancing").GetString());
        var destination = Assert.Single(route.GetProperty("destinations").EnumerateArray());
        Assert.Equal(a.Address, destination.GetProperty("address").GetString());
        Assert.True(destination.GetProperty("available").GetBoolean());

        var metrics = await gateway.Admin.GetStringAsync("/metrics");
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"web\",code=\"200\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"(none)\",code=\"404\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"flotilla_gateway_route_table_version {version}", metrics, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_destination_available{route=\"web\",replica=\"web-a\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_control_plane_connected 1", metrics, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_route_table_age_seconds", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminEndpoints_AreNotServedOnTheProxyPort_AndWorkloadsCannotShadowThem()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", a)).Version);

        using var viaProxy = await gateway.GetAsync("/metrics");
        Assert.Equal("web-a", await viaProxy.Content.ReadAsStringAsync());

        using var viaAdmin = await gateway.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, viaAdmin.StatusCode);
        Assert.Contains("flotilla_gateway_routes 1", await viaAdmin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

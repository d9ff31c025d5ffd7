using Flotilla.Gateway.Metrics;
using Flotilla.Gateway.Routing;

namespace Flotilla.Gateway.Tests.Metrics;

[Trait("Category", "Unit")]
public sealed class GatewayMetricsTests
{
    [Fact]
    public async Task Requests_AreCountedPerRouteAndCode_EachInItsOwnSeries()
    {
        var metrics = new GatewayMetrics(new RouteTableConfigProvider(TimeProvider.System));

        metrics.ObserveRequest("web", 200, TimeSpan.FromMilliseconds(1));
        metrics.ObserveRequest("web", 200, TimeSpan.FromMilliseconds(2));
        metrics.ObserveRequest("web", 503, TimeSpan.FromMilliseconds(3));
        metrics.ObserveRequest("api", 200, TimeSpan.FromSeconds(2));
        metrics.ObserveRequest("api", 799, TimeSpan.FromMilliseconds(1));

        var text = await ExportAsync(metrics);
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"web\",code=\"200\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"web\",code=\"503\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"api\",code=\"200\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_request_duration_seconds_count{route=\"api\",code=\"799\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("flotilla_gateway_request_duration_seconds_sum{route=\"api\",code=\"200\"} 2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("route=\"api\",code=\"503\"", text, StringComparison.Ordinal);
    }

    private static async Task<string> ExportAsync(GatewayMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}

using Flotilla.Gateway.Metrics;
using Flotilla.Gateway.Routing;
using Prometheus;
using Yarp.ReverseProxy;

namespace Flotilla.Gateway.Admin;

internal static class AdminEndpoints
{
    /// <summary>Maps <c>/healthz</c>, <c>/routes</c> and <c>/metrics</c> over the proxy's shared state.</summary>
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints, IServiceProvider gateway)
    {
        var routeTable = gateway.GetRequiredService<RouteTableConfigProvider>();
        var feed = gateway.GetRequiredService<RouteFeedClient>();
        var metrics = gateway.GetRequiredService<GatewayMetrics>();
        var proxyState = gateway.GetRequiredService<IProxyStateLookup>();
        var time = gateway.GetRequiredService<TimeProvider>();

        // Liveness: the process serves. Whether it has routes is in the body, /routes and /metrics.
        endpoints.MapGet("/healthz", () => TypedResults.Ok(new
        {
            status = "ok",
            routeTableVersion = routeTable.Current?.Version ?? 0,
            controlPlaneConnected = feed.Connected,
        }));

        endpoints.MapGet("/routes", () => TypedResults.Ok(
            RouteTableView.From(routeTable.Current, feed.Connected, proxyState, time.GetUtcNow())));

        endpoints.MapGet("/metrics", async (HttpContext context) =>
        {
            metrics.Refresh(routeTable.Current, feed.Connected, proxyState, time.GetUtcNow());
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
    }
}

using Flotilla.Gateway.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Flotilla.Gateway.Admin;

/// <summary>The JSON shape of <c>/routes</c>: the table being served and each replica's health as the gateway sees it.</summary>
internal sealed record RouteTableView(
    long Version,
    DateTimeOffset? GeneratedAt,
    DateTimeOffset? AppliedAt,
    double? AgeSeconds,
    bool ControlPlaneConnected,
    IReadOnlyList<RouteView> Routes,
    IReadOnlyList<string> Problems)
{
    public static RouteTableView From(AppliedRouteTable? applied, bool connected, IProxyStateLookup proxyState, DateTimeOffset now)
    {
        if (applied is null)
        {
            return new RouteTableView(0, null, null, null, connected, [], ["no route table received from the control plane yet"]);
        }

        var clusters = applied.Translated.Clusters.ToDictionary(c => c.ClusterId, StringComparer.Ordinal);
        var routes = new List<RouteView>();
        foreach (var route in applied.Table.Routes.OrderBy(r => r.Workload, StringComparer.Ordinal))
        {
            // Only what is actually served: entries the translator skipped are listed under problems.
            if (!applied.Translated.Routes.Any(r => r.RouteId == route.Workload) || !clusters.TryGetValue(route.Workload, out var cluster))
            {
                continue;
            }

            proxyState.TryGetCluster(route.Workload, out var clusterState);
            var destinations = route.Destinations
                .Where(d => cluster.Destinations?.ContainsKey(d.ReplicaId) == true)
                .Select(d => DestinationView.From(d, clusterState))
                .ToList();
            routes.Add(new RouteView(
                route.Workload,
                route.Host.Length > 0 ? route.Host : "*",
                RouteTableTranslator.NormalizePrefix(route.PathPrefix),
                cluster.LoadBalancingPolicy ?? RouteTableTranslator.DefaultLoadBalancingPolicy,
                cluster.SessionAffinity?.AffinityKeyName,
                cluster.HttpRequest?.ActivityTimeout?.TotalSeconds,
                cluster.HealthCheck?.Active is { } active ? new HealthView(active.Path ?? "/", active.Interval?.TotalSeconds, active.Timeout?.TotalSeconds) : null,
                destinations));
        }

        var generated = applied.GeneratedAt;
        return new RouteTableView(
            applied.Version,
            generated,
            applied.AppliedAt,
            generated is null ? null : Math.Round((now - generated.Value).TotalSeconds, 3),
            connected,
            routes,
            applied.Translated.Problems);
    }
}

using Yarp.ReverseProxy.Configuration;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// YARP's view of one route table: a route and a cluster per workload, plus what had to be left
/// out and why (a bad entry costs that entry, never the whole table).
/// </summary>
internal sealed record TranslatedRouteTable(
    IReadOnlyList<RouteConfig> Routes,
    IReadOnlyList<ClusterConfig> Clusters,
    IReadOnlyList<string> Problems)
{
    public static TranslatedRouteTable Empty { get; } = new([], [], []);
}

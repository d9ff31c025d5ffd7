using Flotilla.Contracts.Routes;
using Google.Protobuf.WellKnownTypes;

namespace Flotilla.Gateway.Tests.Fixtures;

/// <summary>Builds proto routes as the control plane would send them.</summary>
public static class Routes
{
    public static Route For(string workload, string pathPrefix, params Upstream[] replicas) =>
        For(workload, "", pathPrefix, replicas);

    public static Route For(string workload, string host, string pathPrefix, params Upstream[] replicas)
    {
        var route = new Route { Workload = workload, Host = host, PathPrefix = pathPrefix };
        foreach (var replica in replicas)
        {
            route.Destinations.Add(new Destination { ReplicaId = replica.Name, NodeId = "node-1", Address = replica.Address });
        }

        return route;
    }

    public static Route WithHealth(this Route route, string path, TimeSpan interval)
    {
        route.Health = new HealthCheck { Path = path, Interval = Duration.FromTimeSpan(interval), Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };
        return route;
    }
}

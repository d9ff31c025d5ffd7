using Flotilla.Contracts.Routes;
using Flotilla.ControlPlane.Agents;
using Flotilla.ControlPlane.Grains;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Flotilla.ControlPlane.Routing;

/// <summary>Streams the gateway the whole route table now and whenever its version changes.</summary>
public sealed class RouteFeedService(IGrainFactory grains) : RouteFeed.RouteFeedBase
{
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(10);

    public override async Task Watch(WatchRoutesRequest request, IServerStreamWriter<RouteTable> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        // Headers at once: a gateway that already holds the current version gets no table, and must still
        // see that its subscription is open.
        await context.WriteResponseHeadersAsync([]);
        var table = grains.GetGrain<IRouteTableGrain>(0);
        var current = await table.Get();
        var known = request.KnownVersion;
        if (current.Version != known || known == 0)
        {
            await responseStream.WriteAsync(ToProto(current), context.CancellationToken);
            known = current.Version;
        }

        while (!context.CancellationToken.IsCancellationRequested)
        {
            var changed = await table.WaitForChange(known, WatchPoll).WaitAsync(context.CancellationToken);
            if (changed is not null)
            {
                await responseStream.WriteAsync(ToProto(changed), context.CancellationToken);
                known = changed.Version;
            }
        }
    }

    public static RouteTable ToProto(RouteTableSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var table = new RouteTable { Version = snapshot.Version, GeneratedAt = AllocationMapper.ToTimestamp(snapshot.GeneratedAt) };
        foreach (var entry in snapshot.Routes)
        {
            var route = new Contracts.Routes.Route
            {
                Workload = entry.Workload,
                Host = entry.Host,
                PathPrefix = entry.PathPrefix,
                RequestTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
            };
            if (entry.HealthPath is not null)
            {
                route.Health = new HealthCheck
                {
                    Path = entry.HealthPath,
                    Interval = Duration.FromTimeSpan(entry.HealthInterval),
                    Timeout = Duration.FromTimeSpan(entry.HealthTimeout),
                };
            }

            route.Destinations.AddRange(entry.Destinations.Select(d => new Destination { ReplicaId = d.ReplicaId, NodeId = d.NodeId, Address = d.Address }));
            table.Routes.Add(route);
        }

        return table;
    }
}

using Yarp.ReverseProxy.Model;

namespace Flotilla.Gateway.Admin;

/// <summary>One replica in <c>/routes</c>, with the health the gateway sees.</summary>
internal sealed record DestinationView(string ReplicaId, string NodeId, string Address, string ActiveHealth, string PassiveHealth, bool Available)
{
    public static DestinationView From(Flotilla.Contracts.Routes.Destination destination, ClusterState? cluster)
    {
        DestinationState? state = null;
        _ = cluster?.Destinations.TryGetValue(destination.ReplicaId, out state);
        var active = state?.Health.Active ?? DestinationHealth.Unknown;
        var passive = state?.Health.Passive ?? DestinationHealth.Unknown;
        return new DestinationView(
            destination.ReplicaId,
            destination.NodeId,
            destination.Address,
            active.ToString(),
            passive.ToString(),
            state is not null && active != DestinationHealth.Unhealthy && passive != DestinationHealth.Unhealthy);
    }
}

namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer, Immutable]
public sealed record RouteDestination(
    [property: Id(0)] string ReplicaId,
    [property: Id(1)] string NodeId,
    [property: Id(2)] string Address);

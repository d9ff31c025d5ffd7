namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer, Immutable]
public sealed record RouteTableSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset GeneratedAt,
    [property: Id(2)] List<RouteEntry> Routes);

namespace Flotilla.ControlPlane.Grains;

/// <summary>A port a replica publishes: its key (port name, or the container port as text), and a pinned host port if any.</summary>
[GenerateSerializer, Immutable]
public sealed record PortClaim(
    [property: Id(0)] string Key,
    [property: Id(1)] int ContainerPort,
    [property: Id(2)] string Protocol,
    [property: Id(3)] int? HostPort);

namespace Flotilla.ControlPlane.Grains;

public enum ReplicaHealth
{
    Unknown,
    Healthy,
    Unhealthy,
}

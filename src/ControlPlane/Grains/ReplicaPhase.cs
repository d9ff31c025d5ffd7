namespace Flotilla.ControlPlane.Grains;

/// <summary>Where a replica is in its life, from the control plane's point of view.</summary>
public enum ReplicaPhase
{
    Pending,
    Assigned,
    Pulling,
    Starting,
    Running,
    Exited,
    Failed,
    Stopped,
}

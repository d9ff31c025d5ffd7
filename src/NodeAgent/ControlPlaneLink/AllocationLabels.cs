namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// Labels on the containers the link creates. A container carrying <see cref="Allocation"/> belongs to
/// the link; every other container on the host is left alone.
/// </summary>
public static class AllocationLabels
{
    public const string Workload = "flotilla.workload";
    public const string Allocation = "flotilla.allocation";
    public const string Revision = "flotilla.revision";
}

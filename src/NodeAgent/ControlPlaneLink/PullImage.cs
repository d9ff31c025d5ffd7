namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Pull an image some desired allocations need.</summary>
public sealed record PullImage(string Image) : ReconcileAction;

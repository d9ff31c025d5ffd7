namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Stop and remove a container the link owns that no desired allocation accounts for.</summary>
public sealed record RemoveContainer(string ContainerId, string AllocationId, string Reason) : ReconcileAction;

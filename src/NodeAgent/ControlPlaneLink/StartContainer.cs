namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Start the allocation's existing container (created but never started, or stopped without the engine restarting it).</summary>
public sealed record StartContainer(string ContainerId, string AllocationId) : ReconcileAction;

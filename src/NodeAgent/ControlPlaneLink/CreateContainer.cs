using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Create the allocation's container and start it.</summary>
public sealed record CreateContainer(Allocation Allocation) : ReconcileAction;

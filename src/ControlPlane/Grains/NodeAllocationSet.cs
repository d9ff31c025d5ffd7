namespace Flotilla.ControlPlane.Grains;

/// <summary>A node's whole desired allocation set at one version.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeAllocationSet(
    [property: Id(0)] string NodeId,
    [property: Id(1)] long Version,
    [property: Id(2)] List<AllocationRecord> Allocations);

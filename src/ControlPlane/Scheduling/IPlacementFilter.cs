namespace Flotilla.ControlPlane.Scheduling;

/// <summary>
/// One feasibility rule. <see cref="Requirement"/> words what a node must satisfy so a rejection
/// reads as "no node {requirement}" ("no node has 4Gi memory free").
/// </summary>
public interface IPlacementFilter
{
    bool Admits(PlacementRequest request, NodeCandidate node);

    string Requirement(PlacementRequest request);
}

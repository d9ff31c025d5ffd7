using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Api;

/// <summary>A workload as REST returns it.</summary>
public sealed record WorkloadResponse(
    string Name,
    long Version,
    long Revision,
    string Status,
    int DesiredReplicas,
    int RunningReplicas,
    int PendingReplicas,
    WorkloadSpec? Spec,
    IReadOnlyList<ReplicaView> Replicas,
    IReadOnlyList<EventResponse> Events,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static WorkloadResponse From(WorkloadView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(
            view.Name, view.Version, view.Revision, view.Status, view.DesiredReplicas, view.RunningReplicas,
            view.PendingReplicas, WorkloadSpecParser.Parse(view.SpecJson).Spec, view.Replicas,
            [.. view.Events.Select(EventResponse.From)], view.CreatedAt, view.UpdatedAt);
    }
}

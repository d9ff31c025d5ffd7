using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Api;

public sealed record NodeResponse(
    string Id,
    string Address,
    string State,
    IReadOnlyDictionary<string, string> Labels,
    ResourcesResponse Capacity,
    ResourcesResponse Allocated,
    int Allocations,
    string AgentVersion,
    DateTimeOffset? LastHeartbeat,
    long DesiredVersion,
    long AppliedVersion)
{
    public static NodeResponse From(NodeView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(
            view.Id, view.Address, view.State, view.Labels,
            new ResourcesResponse(view.Capacity.MilliCpu, view.Capacity.MemoryBytes, view.Capacity.Pids),
            new ResourcesResponse(view.Allocated.MilliCpu, view.Allocated.MemoryBytes, view.Allocated.Pids),
            view.Allocations, view.AgentVersion, view.LastHeartbeat, view.DesiredVersion, view.AppliedVersion);
    }
}

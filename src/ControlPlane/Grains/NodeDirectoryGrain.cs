using Flotilla.ControlPlane.Hosting;
using Flotilla.ControlPlane.Scheduling;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Grains;

/// <summary>Persists which nodes exist; keeps their latest published snapshots in memory.</summary>
public sealed class NodeDirectoryGrain(
    [PersistentState("nodes", StorageNames.Default)] IPersistentState<NodeDirectoryState> state,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time) : Grain, INodeDirectoryGrain
{
    private readonly Dictionary<string, (NodeCandidate Candidate, DateTimeOffset LastHeartbeat)> _snapshots = [];

    public async Task Add(string nodeId)
    {
        if (state.State.NodeIds.Add(nodeId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task Publish(NodeCandidate candidate, DateTimeOffset lastHeartbeat)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        _snapshots[candidate.NodeId] = (candidate, lastHeartbeat);
        return Task.CompletedTask;
    }

    public async Task<List<NodeCandidate>> GetCandidates()
    {
        // After a restart the snapshots are gone: ask the nodes (which activates them from storage).
        var missing = state.State.NodeIds.Where(id => !_snapshots.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var fetched = await Task.WhenAll(missing.Select(id => GrainFactory.GetGrain<INodeGrain>(id).GetCandidate()));
            foreach (var candidate in fetched.OfType<NodeCandidate>())
            {
                _snapshots.TryAdd(candidate.NodeId, (candidate, candidate.Ready ? time.GetUtcNow() : DateTimeOffset.MinValue));
            }
        }

        var timeout = TimeSpan.FromSeconds(options.Value.NodeTimeoutSeconds);
        var now = time.GetUtcNow();
        return [.. _snapshots.Values.Select(s => s.Candidate with { Ready = s.Candidate.Ready && now - s.LastHeartbeat < timeout })];
    }

    public Task<List<string>> GetNodeIds() => Task.FromResult(state.State.NodeIds.ToList());
}

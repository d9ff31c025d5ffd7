using Flotilla.ControlPlane.Scheduling;
using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>
/// The cluster's list of nodes (key 0) and the scheduler's snapshot source. Nodes publish themselves
/// here one-way, so a node grain never waits on the directory.
/// </summary>
public interface INodeDirectoryGrain : IGrainWithIntegerKey
{
    Task Add(string nodeId);

    [OneWay]
    Task Publish(NodeCandidate candidate, DateTimeOffset lastHeartbeat);

    /// <summary>Every registered node as the scheduler should see it now (readiness from heartbeat age).</summary>
    Task<List<NodeCandidate>> GetCandidates();

    [ReadOnly]
    Task<List<string>> GetNodeIds();
}

using Flotilla.ControlPlane.Scheduling;
using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>One node (key: node id): its registration, liveness, desired allocations and what its agent reports.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Registers or re-registers the node; <paramref name="tokenHash"/> becomes the only node token accepted.</summary>
    Task Register(NodeRegistration registration, string tokenHash);

    /// <summary>True when the node is registered and <paramref name="tokenHash"/> is its current token.</summary>
    [ReadOnly]
    Task<bool> Authorize(string tokenHash);

    /// <summary>Records a heartbeat; returns the desired version.</summary>
    Task<long> Heartbeat(long appliedVersion);

    /// <summary>Commits a placement if it still fits; refuses it otherwise. Idempotent per allocation id.</summary>
    Task<AllocationResult> TryAllocate(AllocationRecord allocation);

    /// <summary>Drops an allocation from the desired set (no-op when absent).</summary>
    Task Release(string allocationId);

    [ReadOnly]
    Task<NodeAllocationSet> GetDesired();

    /// <summary>Returns the desired set once its version passes <paramref name="knownVersion"/>, or null after <paramref name="timeout"/>.</summary>
    [AlwaysInterleave]
    Task<NodeAllocationSet?> WaitForChange(long knownVersion, TimeSpan timeout);

    /// <summary>Takes the agent's reports; refuses (returns the offending id) when an allocation is not this node's.</summary>
    Task<string?> Report(List<ReplicaReport> reports);

    [ReadOnly]
    Task<NodeView?> Get();

    [ReadOnly]
    Task<NodeCandidate?> GetCandidate();
}

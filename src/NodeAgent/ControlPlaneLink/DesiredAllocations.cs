using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// The node's desired allocation set as last received from the control plane. Null until the first set
/// arrives: until then the reconciler changes nothing, so an agent that restarts while the control plane
/// is away keeps every container as it is.
/// </summary>
public sealed class DesiredAllocations
{
    private readonly Lock _gate = new();
    private AllocationSet? _current;
    private long _appliedVersion;

    internal AsyncSignal ReconcileNeeded { get; } = new();

    public AllocationSet? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>The version the reconciler last converged to (0 for none).</summary>
    public long AppliedVersion
    {
        get
        {
            lock (_gate)
            {
                return _appliedVersion;
            }
        }
    }

    /// <summary>Takes a set from the control plane. Every set is the whole truth, so it replaces the previous one.</summary>
    public void Update(AllocationSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_gate)
        {
            _current = set;
        }

        ReconcileNeeded.Set();
    }

    internal void MarkApplied(long version)
    {
        lock (_gate)
        {
            _appliedVersion = version;
        }
    }
}

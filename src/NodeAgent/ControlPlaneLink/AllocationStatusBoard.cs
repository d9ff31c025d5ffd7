using Flotilla.Contracts.Agent;
using Google.Protobuf.WellKnownTypes;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// The latest status of every desired allocation, as the reconciler last saw it, and which of them changed
/// since the reporter last sent them. Also queues the allocations removed on purpose (reported Stopped once).
/// </summary>
public sealed class AllocationStatusBoard(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AllocationStatus> _current = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly List<AllocationStatus> _stopped = [];

    internal AsyncSignal Changed { get; } = new();

    /// <summary>Replaces the board with <paramref name="statuses"/> (one per desired allocation); marks what differs.</summary>
    public void Publish(IReadOnlyList<AllocationStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var changed = false;
        lock (_gate)
        {
            var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var status in statuses)
            {
                ids.Add(status.AllocationId);
                if (_current.TryGetValue(status.AllocationId, out var previous) && Same(previous, status))
                {
                    continue;
                }

                var stamped = status.Clone();
                stamped.ObservedAt = now;
                _current[status.AllocationId] = stamped;
                _changed.Add(status.AllocationId);
                changed = true;
            }

            foreach (var gone in _current.Keys.Where(id => !ids.Contains(id)).ToList())
            {
                _current.Remove(gone);
                _changed.Remove(gone);
            }
        }

        if (changed)
        {
            Changed.Set();
        }
    }

    /// <summary>Notes that the allocation's container was removed because it is no longer desired.</summary>
    public void Stopped(string allocationId)
    {
        lock (_gate)
        {
            _stopped.Add(new AllocationStatus
            {
                AllocationId = allocationId,
                Phase = AllocationPhase.Stopped,
                Message = "removed: no longer desired",
                ObservedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            });
        }

        Changed.Set();
    }

    /// <summary>The statuses changed since the last call (or all of them when <paramref name="all"/>), and clears the marks.</summary>
    public IReadOnlyList<AllocationStatus> TakeChanged(bool all)
    {
        lock (_gate)
        {
            var taken = all ? [.. _current.Values] : _changed.Select(id => _current[id]).ToList();
            _changed.Clear();
            return taken;
        }
    }

    /// <summary>The Stopped reports queued since the last call.</summary>
    public IReadOnlyList<AllocationStatus> TakeStopped()
    {
        lock (_gate)
        {
            var taken = _stopped.ToList();
            _stopped.Clear();
            return taken;
        }
    }

    /// <summary>Marks statuses to be sent again (a report that did not go through).</summary>
    public void MarkUnsent(IEnumerable<AllocationStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        lock (_gate)
        {
            foreach (var status in statuses.Where(s => _current.ContainsKey(s.AllocationId)))
            {
                _changed.Add(status.AllocationId);
            }
        }
    }

    /// <summary>The current status of an allocation, or null when it is not desired.</summary>
    public AllocationStatus? Get(string allocationId)
    {
        lock (_gate)
        {
            return _current.GetValueOrDefault(allocationId)?.Clone();
        }
    }

    private static bool Same(AllocationStatus a, AllocationStatus b)
    {
        var left = a.Clone();
        left.ObservedAt = null;
        var right = b.Clone();
        right.ObservedAt = null;
        return left.Equals(right);
    }
}

using System.Security.Cryptography;
using System.Text;
using Flotilla.ControlPlane.Hosting;
using Flotilla.ControlPlane.Scheduling;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Grains;

/// <summary>
/// The single writer of a node's allocations. Because a grain runs one call at a time, the capacity
/// check and the commit in <see cref="TryAllocate"/> are atomic: concurrent placements never over-commit.
/// </summary>
public sealed class NodeGrain(
    [PersistentState("node", StorageNames.Default)] IPersistentState<NodeState> state,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time) : Grain, INodeGrain
{
    private readonly HashSet<string> _recentlyReleased = [];
    private readonly Dictionary<string, ReplicaReport> _actual = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _lastHeartbeat;
    private long _appliedVersion;

    private string NodeId => this.GetPrimaryKeyString();

    private NodeState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        PublishCandidate();
        return Task.CompletedTask;
    }

    public async Task Register(NodeRegistration registration, string tokenHash)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var firstTime = !S.Registered;
        S.Registered = true;
        S.Address = registration.Address;
        S.Labels = registration.Labels;
        S.Capacity = registration.Capacity;
        S.AgentVersion = registration.AgentVersion;
        S.HostPortMin = registration.HostPortMin > 0 ? registration.HostPortMin : options.Value.HostPortMin;
        S.HostPortMax = registration.HostPortMax > 0 ? registration.HostPortMax : options.Value.HostPortMax;
        S.TokenHash = tokenHash;
        if (firstTime)
        {
            S.RegisteredAt = time.GetUtcNow();
        }

        await state.WriteStateAsync();
        _lastHeartbeat = time.GetUtcNow();
        await GrainFactory.GetGrain<INodeDirectoryGrain>(0).Add(NodeId);
        PublishCandidate();
        GrainFactory.GetGrain<IEventLogGrain>(0).Append(new EventRecord
        {
            Kind = firstTime ? "NodeRegistered" : "NodeReregistered",
            NodeId = NodeId,
            Message = $"node {NodeId} at {registration.Address} with {registration.Capacity.MilliCpu}m cpu, {Contracts.Specs.Quantity.FormatMemory(registration.Capacity.MemoryBytes)} memory",
        }).Ignore();
    }

    public Task<bool> Authorize(string tokenHash) => Task.FromResult(
        S.Registered && S.TokenHash.Length == tokenHash.Length &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(S.TokenHash), Encoding.ASCII.GetBytes(tokenHash)));

    public Task<long> Heartbeat(long appliedVersion)
    {
        var wasReady = IsReady();
        _lastHeartbeat = time.GetUtcNow();
        _appliedVersion = appliedVersion;
        if (!wasReady)
        {
            GrainFactory.GetGrain<IEventLogGrain>(0).Append(new EventRecord { Kind = "NodeReady", NodeId = NodeId, Message = $"node {NodeId} is ready" }).Ignore();
        }

        PublishCandidate();
        return Task.FromResult(S.Version);
    }

    public async Task<AllocationResult> TryAllocate(AllocationRecord allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        if (S.Allocations.TryGetValue(allocation.AllocationId, out var existing))
        {
            return Accepted(existing);
        }

        var candidate = BuildCandidate();
        var request = new PlacementRequest
        {
            Workload = allocation.Workload,
            Resources = allocation.Resources,
            FixedHostPorts = [.. allocation.Ports.Where(p => p.HostPort is not null).Select(p => p.HostPort!.Value)],
            DynamicPorts = allocation.Ports.Count(p => p.HostPort is null),
        };
        var refusal = PlacementFilters.All.FirstOrDefault(f => !f.Admits(request, candidate));
        if (refusal is not null)
        {
            return new AllocationResult { Accepted = false, Reason = $"node {NodeId} no longer {refusal.Requirement(request)}", Current = candidate };
        }

        var hostPorts = AssignHostPorts(allocation.Ports);
        var committed = allocation with { HostPorts = hostPorts };
        S.Allocations[allocation.AllocationId] = committed;
        S.Version++;
        await state.WriteStateAsync();
        Changed();
        return Accepted(committed);
    }

    public async Task Release(string allocationId)
    {
        if (!S.Allocations.Remove(allocationId))
        {
            return;
        }

        _recentlyReleased.Add(allocationId);
        _actual.Remove(allocationId);
        S.Version++;
        await state.WriteStateAsync();
        Changed();
    }

    public Task<NodeAllocationSet> GetDesired() => Task.FromResult(Desired());

    public async Task<NodeAllocationSet?> WaitForChange(long knownVersion, TimeSpan timeout)
    {
        if (S.Version != knownVersion)
        {
            return Desired();
        }

        var changed = _changed.Task;
        await Task.WhenAny(changed, Task.Delay(timeout, time));
        return S.Version != knownVersion ? Desired() : null;
    }

    public Task<string?> Report(List<ReplicaReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var foreign = reports.FirstOrDefault(r => !S.Allocations.ContainsKey(r.AllocationId) && !_recentlyReleased.Contains(r.AllocationId));
        if (foreign is not null)
        {
            return Task.FromResult<string?>(foreign.AllocationId);
        }

        foreach (var group in reports.Where(r => S.Allocations.ContainsKey(r.AllocationId)).GroupBy(r => S.Allocations[r.AllocationId].Workload))
        {
            var changed = group.Where(r => !_actual.TryGetValue(r.AllocationId, out var last) || !SameReport(last, r)).ToList();
            foreach (var report in changed)
            {
                _actual[report.AllocationId] = report;
            }

            if (changed.Count > 0)
            {
                GrainFactory.GetGrain<IWorkloadGrain>(group.Key).ReportReplicas(NodeId, changed).Ignore();
            }
        }

        return Task.FromResult<string?>(null);
    }

    public Task<NodeView?> Get() => Task.FromResult(S.Registered
        ? new NodeView
        {
            Id = NodeId,
            Address = S.Address,
            State = IsReady() ? "Ready" : "NotReady",
            Labels = S.Labels,
            Capacity = S.Capacity,
            Allocated = Allocated(),
            Allocations = S.Allocations.Count,
            AgentVersion = S.AgentVersion,
            LastHeartbeat = _lastHeartbeat,
            DesiredVersion = S.Version,
            AppliedVersion = _appliedVersion,
            RegisteredAt = S.RegisteredAt,
        }
        : null);

    public Task<NodeCandidate?> GetCandidate() => Task.FromResult(S.Registered ? BuildCandidate() : null);

    private static bool SameReport(ReplicaReport a, ReplicaReport b) =>
        a.Phase == b.Phase && a.Health == b.Health && a.ExitCode == b.ExitCode && a.Message == b.Message &&
        a.HostPorts.Count == b.HostPorts.Count && a.HostPorts.All(p => b.HostPorts.GetValueOrDefault(p.Key) == p.Value);

    private AllocationResult Accepted(AllocationRecord allocation) => new()
    {
        Accepted = true,
        Address = S.Address,
        HostPorts = allocation.HostPorts,
        Current = BuildCandidate(),
    };

    private Dictionary<string, int> AssignHostPorts(List<PortClaim> ports)
    {
        var used = UsedHostPorts();
        var result = new Dictionary<string, int>();
        var next = S.HostPortMin;
        foreach (var port in ports)
        {
            if (port.HostPort is { } pinned)
            {
                result[port.Key] = pinned;
                continue;
            }

            while (used.Contains(next) || ports.Any(p => p.HostPort == next))
            {
                next++;
            }

            result[port.Key] = next;
            used.Add(next);
        }

        return result;
    }

    private HashSet<int> UsedHostPorts() => [.. S.Allocations.Values.SelectMany(a => a.HostPorts.Values)];

    private Contracts.Specs.ResourceRequest Allocated() =>
        S.Allocations.Values.Aggregate(default(Contracts.Specs.ResourceRequest), (sum, a) => sum + a.Resources);

    private bool IsReady() =>
        S.Registered && _lastHeartbeat is { } last &&
        time.GetUtcNow() - last < TimeSpan.FromSeconds(options.Value.NodeTimeoutSeconds);

    private NodeCandidate BuildCandidate()
    {
        var used = UsedHostPorts();
        var range = S.HostPortMax - S.HostPortMin + 1;
        var usedInRange = used.Count(p => p >= S.HostPortMin && p <= S.HostPortMax);
        return new NodeCandidate
        {
            NodeId = NodeId,
            Ready = IsReady(),
            Labels = S.Labels,
            Capacity = S.Capacity,
            Allocated = Allocated(),
            UsedHostPorts = used,
            FreeDynamicPorts = Math.Max(0, range - usedInRange),
            ReplicasByWorkload = S.Allocations.Values.GroupBy(a => a.Workload).ToDictionary(g => g.Key, g => g.Count()),
        };
    }

    private NodeAllocationSet Desired() => new(NodeId, S.Version, [.. S.Allocations.Values.OrderBy(a => a.AllocationId, StringComparer.Ordinal)]);

    private void Changed()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
        PublishCandidate();
    }

    private void PublishCandidate()
    {
        if (S.Registered)
        {
            GrainFactory.GetGrain<INodeDirectoryGrain>(0).Publish(BuildCandidate(), _lastHeartbeat ?? DateTimeOffset.MinValue).Ignore();
        }
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Observability;
using Flotilla.ControlPlane.Scheduling;

namespace Flotilla.ControlPlane.Grains;

/// <summary>
/// Owns a workload's desired state and places its replicas: rank nodes from a snapshot, then ask the
/// best node to commit; a node that refuses (it filled up meanwhile) is replaced by the next one.
/// Replicas that fit nowhere stay Pending with the reason and are retried on a timer.
/// </summary>
public sealed partial class WorkloadGrain(
    [PersistentState("workload", StorageNames.Default)] IPersistentState<WorkloadState> state,
    TimeProvider time,
    ILogger<WorkloadGrain> logger) : Grain, IWorkloadGrain
{
    private const int MaxEvents = 50;
    private const int MaxRevisions = 20;
    private const int CommitAttemptsPerReplica = 5;
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromSeconds(2);

    private WorkloadSpec? _spec;
    private IGrainTimer? _retryTimer;

    private string Name => this.GetPrimaryKeyString();

    private WorkloadState S => state.State;

    private int Desired => _spec?.Replicas ?? WorkloadDefaults.Replicas;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Exists)
        {
            _spec = Parse(S.SpecJson);
            EnsureRetryTimer();
        }

        return Task.CompletedTask;
    }

    public async Task<WorkloadCommandResult> Create(string specJson)
    {
        var spec = Parse(specJson);
        if (spec is null || spec.Name != Name)
        {
            return new(WorkloadOutcome.Invalid, null, "the spec does not parse or names another workload");
        }

        var canonical = WorkloadSpecParser.ToJson(spec);
        if (S.Exists)
        {
            return canonical == S.SpecJson
                ? new(WorkloadOutcome.Unchanged, View())
                : new(WorkloadOutcome.AlreadyExists, View(), $"workload {Name} already exists at version {S.Version}; update it with PUT /v1/workloads/{Name}");
        }

        var now = time.GetUtcNow();
        _spec = spec;
        S.Exists = true;
        S.SpecJson = canonical;
        S.Version = 1;
        S.Revision = 1;
        S.CreatedAt = now;
        S.UpdatedAt = now;
        S.Revisions = [new RevisionRecord(1, canonical, now)];
        S.Replicas = [];
        AddPending(Desired);
        Record("WorkloadCreated", $"created with {Desired} replicas of {spec.Image}");
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IWorkloadIndexGrain>(0).Add(Name);
        await PlacePendingAsync();

        // The route exists from the start (the gateway answers 503 until a replica is healthy, not 404).
        PushRoute(RouteOf());
        return new(WorkloadOutcome.Created, View());
    }

    public async Task<WorkloadCommandResult> Update(string specJson, long expectedVersion)
    {
        if (Refuse(expectedVersion) is { } refused)
        {
            return refused;
        }

        var spec = Parse(specJson);
        if (spec is null || spec.Name != Name)
        {
            return new(WorkloadOutcome.Invalid, View(), "the spec does not parse or names another workload");
        }

        var canonical = WorkloadSpecParser.ToJson(spec);
        if (canonical == S.SpecJson)
        {
            return new(WorkloadOutcome.Unchanged, View());
        }

        if (WorkloadSpecParser.ToJson(spec with { Replicas = _spec!.Replicas }) == S.SpecJson)
        {
            return await ScaleTo(spec.Replicas ?? WorkloadDefaults.Replicas);
        }

        // A new revision replaces every replica. Rolling (maxSurge/maxUnavailable) is the rollout's job;
        // here new replicas are placed first, then the old ones released.
        var now = time.GetUtcNow();
        var old = S.Replicas.ToList();
        _spec = spec;
        S.SpecJson = canonical;
        S.Version++;
        S.Revision++;
        S.UpdatedAt = now;
        S.Revisions.Add(new RevisionRecord(S.Revision, canonical, now));
        if (S.Revisions.Count > MaxRevisions)
        {
            S.Revisions.RemoveAt(0);
        }

        S.Replicas = [];
        AddPending(Desired);
        Record("WorkloadUpdated", $"revision {S.Revision}: {spec.Image}, {Desired} replicas");
        await state.WriteStateAsync();
        await PlacePendingAsync();
        await ReleaseAsync(old);

        // The released replicas leave the gateway now, not when the first new replica reports.
        PushRoute(RouteOf());
        Touch();
        return new(WorkloadOutcome.Updated, View());
    }

    public async Task<WorkloadCommandResult> Scale(int replicas, long expectedVersion)
    {
        if (Refuse(expectedVersion) is { } refused)
        {
            return refused;
        }

        if (replicas is < 0 or > WorkloadDefaults.MaxReplicas)
        {
            return new(WorkloadOutcome.Invalid, View(), $"replicas must be between 0 and {WorkloadDefaults.MaxReplicas}");
        }

        return replicas == Desired ? new(WorkloadOutcome.Unchanged, View()) : await ScaleTo(replicas);
    }

    public async Task<WorkloadCommandResult> Delete(long expectedVersion)
    {
        if (Refuse(expectedVersion) is { } refused)
        {
            return refused;
        }

        await ReleaseAsync(S.Replicas);
        PushRoute(null);
        GrainFactory.GetGrain<IEventLogGrain>(0).Append(new EventRecord { Kind = "WorkloadDeleted", Workload = Name, Message = $"workload {Name} deleted" }).Ignore();
        await GrainFactory.GetGrain<IWorkloadIndexGrain>(0).Remove(Name);
        var sequence = S.RouteSequence;
        await state.ClearStateAsync();
        state.State = new WorkloadState { RouteSequence = sequence };
        _spec = null;
        _retryTimer?.Dispose();
        _retryTimer = null;
        DeactivateOnIdle();
        return new(WorkloadOutcome.Deleted, null);
    }

    public Task<WorkloadView?> Get() => Task.FromResult(S.Exists ? View() : null);

    public async Task ReportReplicas(string nodeId, List<ReplicaReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var changed = false;
        foreach (var report in reports)
        {
            var replica = S.Replicas.FirstOrDefault(r => r.Id == report.AllocationId && r.NodeId == nodeId);
            if (replica is null)
            {
                continue;
            }

            if (replica.Phase != report.Phase && report.Phase is ReplicaPhase.Running or ReplicaPhase.Failed or ReplicaPhase.Exited)
            {
                Record($"Replica{report.Phase}", $"replica {replica.Id} on {nodeId}: {report.Phase}{(report.Message is { Length: > 0 } m ? $" ({m})" : string.Empty)}", nodeId);
            }

            replica.Phase = report.Phase;
            replica.Health = report.Health;
            replica.ExitCode = report.ExitCode;
            replica.Reason = report.Message;
            if (report.HostPorts.Count > 0)
            {
                replica.HostPorts = report.HostPorts;
            }

            replica.UpdatedAt = time.GetUtcNow();
            changed = true;
        }

        if (changed)
        {
            await state.WriteStateAsync();
            PushRoute(RouteOf());
            Touch();
        }
    }

    public Task Resume()
    {
        EnsureRetryTimer();
        return Task.CompletedTask;
    }

    private WorkloadCommandResult? Refuse(long expectedVersion)
    {
        if (!S.Exists)
        {
            return new(WorkloadOutcome.NotFound, null, $"workload {Name} does not exist");
        }

        return expectedVersion != 0 && expectedVersion != S.Version
            ? new(WorkloadOutcome.VersionMismatch, View(), $"workload {Name} is at version {S.Version}, not {expectedVersion}: read it again and retry")
            : null;
    }

    private async Task<WorkloadCommandResult> ScaleTo(int replicas)
    {
        var from = Desired;
        _spec = _spec! with { Replicas = replicas };
        S.SpecJson = WorkloadSpecParser.ToJson(_spec);
        S.Version++;
        S.UpdatedAt = time.GetUtcNow();
        var removed = new List<ReplicaRecord>();
        if (replicas > S.Replicas.Count)
        {
            AddPending(replicas - S.Replicas.Count);
        }
        else
        {
            removed = ChooseReplicasToRemove(S.Replicas.Count - replicas);
            S.Replicas.RemoveAll(removed.Contains);
        }

        Record("WorkloadScaled", $"scaled from {from} to {replicas} replicas");
        await state.WriteStateAsync();
        await ReleaseAsync(removed);
        await PlacePendingAsync();
        PushRoute(RouteOf());
        Touch();
        return new(WorkloadOutcome.Updated, View());
    }

    /// <summary>
    /// The least useful replicas, one at a time: pending before not running before running; among equals,
    /// one from the node holding most of this workload's replicas (so a scale-down keeps the spread), newest first.
    /// </summary>
    private List<ReplicaRecord> ChooseReplicasToRemove(int count)
    {
        var remaining = new List<ReplicaRecord>(S.Replicas);
        var removed = new List<ReplicaRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var perNode = remaining.Where(r => r.NodeId is not null).CountBy(r => r.NodeId!).ToDictionary();
            var victim = remaining
                .OrderBy(r => r.Phase == ReplicaPhase.Pending ? 0 : r.Phase == ReplicaPhase.Running ? 2 : 1)
                .ThenByDescending(r => r.NodeId is null ? 0 : perNode[r.NodeId])
                .ThenByDescending(r => r.UpdatedAt)
                .First();
            remaining.Remove(victim);
            removed.Add(victim);
        }
        return removed;
    }

    private void AddPending(int count)
    {
        for (var i = 0; i < count; i++)
        {
            S.Replicas.Add(new ReplicaRecord
            {
                Id = $"{Name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}",
                Revision = S.Revision,
                Phase = ReplicaPhase.Pending,
                Reason = "waiting to be scheduled",
                UpdatedAt = time.GetUtcNow(),
            });
        }
    }

    private async Task PlacePendingAsync()
    {
        var pending = S.Replicas.Where(r => r.Phase == ReplicaPhase.Pending).ToList();
        if (pending.Count == 0 || _spec is null)
        {
            return;
        }

        var request = PlacementRequest.From(_spec);
        var nodes = (await GrainFactory.GetGrain<INodeDirectoryGrain>(0).GetCandidates()).ToDictionary(n => n.NodeId);
        var placedAny = false;
        string? infeasible = null;
        foreach (var replica in pending)
        {
            if (infeasible is not null)
            {
                replica.Reason = infeasible;
                ControlPlaneMetrics.SchedulingAttempts.WithLabels("pending").Inc();
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            string? reason = null;
            for (var attempt = 0; attempt < CommitAttemptsPerReplica && replica.Phase == ReplicaPhase.Pending; attempt++)
            {
                var plan = Scheduler.Rank(request, nodes.Values);
                if (!plan.IsFeasible)
                {
                    reason = infeasible = plan.Reason;
                    break;
                }

                var nodeId = plan.RankedNodeIds[0];
                var result = await GrainFactory.GetGrain<INodeGrain>(nodeId).TryAllocate(Allocation(replica));
                if (result.Current is not null)
                {
                    nodes[nodeId] = result.Current;
                }

                if (!result.Accepted)
                {
                    reason = result.Reason;
                    ControlPlaneMetrics.SchedulingAttempts.WithLabels("refused").Inc();
                    LogRefused(Name, replica.Id, nodeId, result.Reason);
                    continue;
                }

                replica.NodeId = nodeId;
                replica.NodeAddress = result.Address;
                replica.HostPorts = result.HostPorts;
                replica.Phase = ReplicaPhase.Assigned;
                replica.Reason = null;
                replica.UpdatedAt = time.GetUtcNow();
                placedAny = true;
                ControlPlaneMetrics.SchedulingAttempts.WithLabels("placed").Inc();
                ControlPlaneMetrics.PlacementLatency.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
                Record("ReplicaPlaced", $"replica {replica.Id} placed on {nodeId}", nodeId);
            }

            if (replica.Phase == ReplicaPhase.Pending)
            {
                ControlPlaneMetrics.SchedulingAttempts.WithLabels("pending").Inc();
                if (replica.Reason != reason)
                {
                    Record("ReplicaPending", $"replica {replica.Id} pending: {reason}");
                }

                replica.Reason = reason;
            }
        }

        await state.WriteStateAsync();
        if (placedAny)
        {
            Touch();
        }

        EnsureRetryTimer();
    }

    private void EnsureRetryTimer()
    {
        var pending = S.Exists && S.Replicas.Any(r => r.Phase == ReplicaPhase.Pending);
        if (pending && _retryTimer is null)
        {
            _retryTimer = this.RegisterGrainTimer(_ => PlacePendingAsync(), RetryPeriod, RetryPeriod);
        }
        else if (!pending && _retryTimer is not null)
        {
            _retryTimer.Dispose();
            _retryTimer = null;
        }
    }

    private AllocationRecord Allocation(ReplicaRecord replica) => new()
    {
        AllocationId = replica.Id,
        Workload = Name,
        Revision = replica.Revision,
        SpecJson = S.SpecJson,
        Resources = ResourceRequest.From(_spec!.Resources),
        Ports = [.. (_spec.Ports ?? []).Select(p => new PortClaim(PortKey(p), p.Container!.Value, p.Protocol ?? "tcp", p.Host))],
    };

    /// <summary>How a port is named in host-port maps: its name, or its container port when unnamed.</summary>
    public static string PortKey(PortSpec port)
    {
        ArgumentNullException.ThrowIfNull(port);
        return port.Name ?? port.Container!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ReleaseAsync(IEnumerable<ReplicaRecord> replicas)
    {
        await Task.WhenAll(replicas
            .Where(r => r.NodeId is not null)
            .Select(r => GrainFactory.GetGrain<INodeGrain>(r.NodeId!).Release(r.Id)));
    }

    private RouteEntry? RouteOf()
    {
        if (_spec?.Expose is not { } expose)
        {
            return null;
        }

        TimeSpan interval = TimeSpan.FromSeconds(10), timeout = TimeSpan.FromSeconds(1);
        if (_spec.Health is { } health)
        {
            _ = health.Interval is not null && Quantity.TryParseDuration(health.Interval, out interval);
            _ = health.Timeout is not null && Quantity.TryParseDuration(health.Timeout, out timeout);
        }

        return new RouteEntry
        {
            Workload = Name,
            Host = expose.Host ?? string.Empty,
            PathPrefix = expose.Path ?? "/",
            HealthPath = _spec.Health?.Http?.Path,
            HealthInterval = interval,
            HealthTimeout = timeout,
            Destinations = [.. S.Replicas
                .Where(r => r.Phase == ReplicaPhase.Running && r.NodeId is not null && r.NodeAddress is not null)
                .Where(r => _spec.Health is null || r.Health == ReplicaHealth.Healthy)
                .Where(r => r.HostPorts.ContainsKey(expose.Port!))
                .Select(r => new RouteDestination(r.Id, r.NodeId!, $"{r.NodeAddress}:{r.HostPorts[expose.Port!]}"))],
        };
    }

    private void PushRoute(RouteEntry? entry)
    {
        S.RouteSequence = Math.Max(S.RouteSequence + 1, time.GetUtcNow().UtcTicks);
        GrainFactory.GetGrain<IRouteTableGrain>(0).Set(Name, entry, S.RouteSequence).Ignore();
    }

    private void Touch() => GrainFactory.GetGrain<IWorkloadIndexGrain>(0).Touch().Ignore();

    private void Record(string kind, string message, string? nodeId = null)
    {
        var record = new EventRecord { Kind = kind, Workload = Name, NodeId = nodeId, Message = message, At = time.GetUtcNow() };
        S.Events.Add(record);
        if (S.Events.Count > MaxEvents)
        {
            S.Events.RemoveAt(0);
        }

        GrainFactory.GetGrain<IEventLogGrain>(0).Append(record).Ignore();
    }

    private WorkloadView View() => new()
    {
        Name = Name,
        Version = S.Version,
        Revision = S.Revision,
        DesiredReplicas = Desired,
        RunningReplicas = S.Replicas.Count(r => r.Phase == ReplicaPhase.Running),
        PendingReplicas = S.Replicas.Count(r => r.Phase == ReplicaPhase.Pending),
        SpecJson = S.SpecJson,
        Replicas = [.. S.Replicas.Select(r => new ReplicaView
        {
            Id = r.Id,
            NodeId = r.NodeId,
            State = r.Phase.ToString(),
            Reason = r.Reason,
            Address = r.Phase == ReplicaPhase.Running && r.NodeAddress is not null && r.HostPorts.Count > 0
                ? $"{r.NodeAddress}:{r.HostPorts.Values.First()}"
                : null,
            HostPorts = r.HostPorts,
            Revision = r.Revision,
            Health = r.Health.ToString(),
        })],
        Events = [.. S.Events],
        CreatedAt = S.CreatedAt,
        UpdatedAt = S.UpdatedAt,
    };

    private static WorkloadSpec? Parse(string specJson)
    {
        var parsed = WorkloadSpecParser.Parse(specJson);
        return parsed.IsValid ? parsed.Spec : null;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Workload {Workload}: node {NodeId} refused replica {ReplicaId}: {Reason}")]
    private partial void LogRefused(string workload, string replicaId, string nodeId, string? reason);
}

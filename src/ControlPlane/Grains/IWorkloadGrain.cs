using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>
/// One workload (key: its name). Commands are idempotent and version-checked: an
/// <c>expectedVersion</c> other than 0 must equal the current version or the command is refused.
/// </summary>
public interface IWorkloadGrain : IGrainWithStringKey
{
    /// <summary>Creates from a validated spec; the same spec again is Unchanged, a different one AlreadyExists.</summary>
    Task<WorkloadCommandResult> Create(string specJson);

    /// <summary>A new revision when the spec (beyond replicas) changes.</summary>
    Task<WorkloadCommandResult> Update(string specJson, long expectedVersion);

    Task<WorkloadCommandResult> Scale(int replicas, long expectedVersion);

    Task<WorkloadCommandResult> Delete(long expectedVersion);

    [ReadOnly]
    Task<WorkloadView?> Get();

    /// <summary>Agent reports relayed by the node; only replicas placed on <paramref name="nodeId"/> are updated.</summary>
    [OneWay]
    Task ReportReplicas(string nodeId, List<ReplicaReport> reports);

    /// <summary>Activates the workload so it resumes placing pending replicas.</summary>
    [OneWay]
    Task Resume();
}

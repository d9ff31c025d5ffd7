using Flotilla.Contracts.Scheduling;
using Flotilla.ControlPlane.Agents;
using Flotilla.ControlPlane.Grains;
using Grpc.Core;
using Proto = Flotilla.Contracts.Scheduling;

namespace Flotilla.ControlPlane.Api;

/// <summary>The scheduling API over gRPC; the same operations, checks and outcomes as REST.</summary>
public sealed class SchedulingGrpcService(WorkloadOperations operations, IGrainFactory grains) : Proto.Scheduling.SchedulingBase
{
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(10);

    public override async Task<Workload> CreateWorkload(CreateWorkloadRequest request, ServerCallContext context) =>
        Unwrap(await operations.CreateAsync(request.Spec));

    public override async Task<Workload> UpdateWorkload(UpdateWorkloadRequest request, ServerCallContext context) =>
        Unwrap(await operations.UpdateAsync(request.Name, request.Spec, request.ExpectedVersion));

    public override async Task<Workload> ScaleWorkload(ScaleWorkloadRequest request, ServerCallContext context) =>
        Unwrap(await operations.ScaleAsync(request.Name, request.Replicas, request.ExpectedVersion));

    public override async Task<DeleteWorkloadResponse> DeleteWorkload(DeleteWorkloadRequest request, ServerCallContext context)
    {
        var result = await operations.DeleteAsync(request.Name, request.ExpectedVersion);
        return result.Outcome switch
        {
            WorkloadOutcome.Deleted => new DeleteWorkloadResponse { Existed = true },
            WorkloadOutcome.NotFound => new DeleteWorkloadResponse { Existed = false },
            _ => throw Failure(result),
        };
    }

    public override async Task<Workload> GetWorkload(GetWorkloadRequest request, ServerCallContext context) =>
        await operations.GetAsync(request.Name) is { } view
            ? ToProto(view)
            : throw new RpcException(new Status(StatusCode.NotFound, $"workload {request.Name} does not exist"));

    public override async Task<ListWorkloadsResponse> ListWorkloads(ListWorkloadsRequest request, ServerCallContext context) =>
        await ListAsync();

    public override async Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context)
    {
        var response = new ListNodesResponse();
        response.Nodes.AddRange((await operations.ListNodesAsync()).Select(ToProto));
        return response;
    }

    public override async Task<Node> GetNode(GetNodeRequest request, ServerCallContext context) =>
        await operations.GetNodeAsync(request.NodeId) is { } node
            ? ToProto(node)
            : throw new RpcException(new Status(StatusCode.NotFound, $"node {request.NodeId} is not registered"));

    public override async Task<ListEventsResponse> ListEvents(ListEventsRequest request, ServerCallContext context)
    {
        var response = new ListEventsResponse();
        response.Events.AddRange((await operations.RecentEventsAsync(request.Limit)).Select(ToProto));
        return response;
    }

    public override async Task WatchWorkloads(WatchWorkloadsRequest request, IServerStreamWriter<ListWorkloadsResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        var index = grains.GetGrain<IWorkloadIndexGrain>(0);
        var version = await index.WaitForChange(-1, TimeSpan.Zero);
        await responseStream.WriteAsync(await ListAsync(), context.CancellationToken);
        while (!context.CancellationToken.IsCancellationRequested)
        {
            var next = await index.WaitForChange(version, WatchPoll).WaitAsync(context.CancellationToken);
            if (next != version)
            {
                version = next;
                await responseStream.WriteAsync(await ListAsync(), context.CancellationToken);
            }
        }
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<Event> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        var log = grains.GetGrain<IEventLogGrain>(0);
        var after = request.AfterSequence;
        while (!context.CancellationToken.IsCancellationRequested)
        {
            foreach (var record in await log.WaitAfter(after, WatchPoll).WaitAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(ToProto(record), context.CancellationToken);
                after = Math.Max(after, record.Sequence);
            }
        }
    }

    private async Task<ListWorkloadsResponse> ListAsync()
    {
        var response = new ListWorkloadsResponse();
        response.Workloads.AddRange((await operations.ListAsync()).Select(ToProto));
        return response;
    }

    private static Workload Unwrap(OperationResult result) => result.Outcome switch
    {
        WorkloadOutcome.Created or WorkloadOutcome.Updated or WorkloadOutcome.Unchanged => ToProto(result.View!),
        _ => throw Failure(result),
    };

    private static RpcException Failure(OperationResult result) => new(new Status(
        result.Outcome switch
        {
            WorkloadOutcome.NotFound => StatusCode.NotFound,
            WorkloadOutcome.AlreadyExists => StatusCode.AlreadyExists,
            WorkloadOutcome.VersionMismatch => StatusCode.FailedPrecondition,
            _ => StatusCode.InvalidArgument,
        },
        result.Message ?? result.Outcome.ToString()));

    private static Workload ToProto(WorkloadView view)
    {
        var workload = new Workload
        {
            Name = view.Name,
            Version = view.Version,
            Revision = view.Revision,
            Status = view.Status,
            DesiredReplicas = view.DesiredReplicas,
            RunningReplicas = view.RunningReplicas,
            PendingReplicas = view.PendingReplicas,
            SpecJson = view.SpecJson,
            UpdatedAt = AllocationMapper.ToTimestamp(view.UpdatedAt),
        };
        foreach (var replica in view.Replicas)
        {
            var message = new Proto.Replica
            {
                Id = replica.Id,
                NodeId = replica.NodeId ?? string.Empty,
                State = replica.State,
                Reason = replica.Reason ?? string.Empty,
                Address = replica.Address ?? string.Empty,
                Revision = replica.Revision,
                Health = replica.Health,
            };
            message.HostPorts.Add(replica.HostPorts);
            workload.Replicas.Add(message);
        }

        return workload;
    }

    private static Node ToProto(NodeView view)
    {
        var node = new Node
        {
            Id = view.Id,
            Address = view.Address,
            State = view.State,
            Capacity = new Resources { MilliCpu = view.Capacity.MilliCpu, MemoryBytes = view.Capacity.MemoryBytes, Pids = view.Capacity.Pids },
            Allocated = new Resources { MilliCpu = view.Allocated.MilliCpu, MemoryBytes = view.Allocated.MemoryBytes, Pids = view.Allocated.Pids },
            Allocations = view.Allocations,
            AgentVersion = view.AgentVersion,
            LastHeartbeat = AllocationMapper.ToTimestamp(view.LastHeartbeat),
            DesiredVersion = view.DesiredVersion,
            AppliedVersion = view.AppliedVersion,
        };
        node.Labels.Add(view.Labels);
        return node;
    }

    private static Event ToProto(EventRecord record) => new()
    {
        Sequence = record.Sequence,
        At = AllocationMapper.ToTimestamp(record.At),
        Kind = record.Kind,
        Workload = record.Workload ?? string.Empty,
        NodeId = record.NodeId ?? string.Empty,
        Message = record.Message,
    };
}

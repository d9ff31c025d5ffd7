using System.Net;
using System.Text.RegularExpressions;
using Flotilla.Contracts.Agent;
using Flotilla.Contracts.Specs;
using Flotilla.ControlPlane.Auth;
using Flotilla.ControlPlane.Grains;
using Flotilla.ControlPlane.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Flotilla.ControlPlane.Agents;

/// <summary>
/// The server side of the agent link. The join token (checked by the auth middleware) admits an
/// agent to Register; every later call must also carry the node token Register returned.
/// </summary>
public sealed partial class AgentLinkService(
    IGrainFactory grains,
    IOptions<ControlPlaneOptions> options,
    ILogger<AgentLinkService> logger) : AgentLink.AgentLinkBase
{
    public const string NodeTokenHeader = "x-flotilla-node-token";
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(10);

    [GeneratedRegex("^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$")]
    private static partial Regex NodeIdPattern();

    public override async Task<RegisterResponse> Register(RegisterRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<string>();
        if (!NodeIdPattern().IsMatch(request.NodeId))
        {
            errors.Add("node_id must be 1-63 lowercase letters, digits, '-' or '.'");
        }

        if (!IPAddress.TryParse(request.Address, out _))
        {
            errors.Add("address must be the node's IP address");
        }

        if (request.Capacity is null || request.Capacity.MilliCpu <= 0 || request.Capacity.MemoryBytes <= 0 || request.Capacity.Pids <= 0)
        {
            errors.Add("capacity must give milli_cpu, memory_bytes and pids above 0");
        }

        if (request.HostPortMin != 0 || request.HostPortMax != 0)
        {
            if (request.HostPortMin is < 1 or > 65535 || request.HostPortMax < request.HostPortMin || request.HostPortMax > 65535)
            {
                errors.Add("host_port_min..host_port_max must be a range within 1..65535");
            }
        }

        if (errors.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", errors)));
        }

        var token = ApiTokens.NewToken();
        await grains.GetGrain<INodeGrain>(request.NodeId).Register(
            new NodeRegistration
            {
                Address = request.Address,
                Labels = new Dictionary<string, string>(request.Labels),
                Capacity = new ResourceRequest(request.Capacity!.MilliCpu, request.Capacity.MemoryBytes, request.Capacity.Pids),
                AgentVersion = request.AgentVersion,
                HostPortMin = request.HostPortMin,
                HostPortMax = request.HostPortMax,
            },
            ApiTokens.Hash(token));
        LogRegistered(request.NodeId, request.Address);
        return new RegisterResponse { NodeToken = token, HeartbeatIntervalSeconds = options.Value.HeartbeatIntervalSeconds };
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = await AuthorizedNodeAsync(request.NodeId, context);
        return new HeartbeatResponse { DesiredVersion = await node.Heartbeat(request.AppliedVersion) };
    }

    public override async Task WatchAllocations(WatchAllocationsRequest request, IServerStreamWriter<AllocationSet> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        var node = await AuthorizedNodeAsync(request.NodeId, context);
        var known = request.KnownVersion;
        var current = await node.GetDesired();
        if (current.Version != known || known == 0)
        {
            await responseStream.WriteAsync(AllocationMapper.ToProto(current), context.CancellationToken);
            known = current.Version;
        }

        while (!context.CancellationToken.IsCancellationRequested)
        {
            var changed = await node.WaitForChange(known, WatchPoll).WaitAsync(context.CancellationToken);
            await AuthorizedNodeAsync(request.NodeId, context);
            if (changed is null)
            {
                continue;
            }

            await responseStream.WriteAsync(AllocationMapper.ToProto(changed), context.CancellationToken);
            known = changed.Version;
        }
    }

    public override async Task<ReportAllocationsResponse> ReportAllocations(ReportAllocationsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = await AuthorizedNodeAsync(request.NodeId, context);
        var foreign = await node.Report([.. request.Allocations.Select(AllocationMapper.FromProto)]);
        if (foreign is not null)
        {
            LogForeignReport(request.NodeId, foreign);
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"allocation {foreign} is not assigned to node {request.NodeId}; nothing in this report was applied"));
        }

        return new ReportAllocationsResponse { Accepted = request.Allocations.Count };
    }

    private async Task<INodeGrain> AuthorizedNodeAsync(string nodeId, ServerCallContext context)
    {
        var token = context.RequestHeaders.GetValue(NodeTokenHeader);
        if (string.IsNullOrEmpty(nodeId) || !NodeIdPattern().IsMatch(nodeId) || string.IsNullOrEmpty(token))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"a registered node_id and the {NodeTokenHeader} header from Register are required"));
        }

        var node = grains.GetGrain<INodeGrain>(nodeId);
        if (!await node.Authorize(ApiTokens.Hash(token)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {nodeId} is not registered with this node token; register again"));
        }

        return node;
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Node {NodeId} registered from {Address}")]
    private partial void LogRegistered(string nodeId, string address);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "Node {NodeId} reported allocation {AllocationId}, which is not assigned to it; report refused")]
    private partial void LogForeignReport(string nodeId, string allocationId);
}

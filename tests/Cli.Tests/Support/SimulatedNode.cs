using Flotilla.Contracts.Agent;
using Grpc.Core;
using Grpc.Net.Client;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// A node that speaks the real agent protocol but runs nothing: it registers, heartbeats, and reports every
/// allocation it is given as running on the host ports the scheduler chose.
/// </summary>
public sealed class SimulatedNode : IAsyncDisposable
{
    private readonly AgentLink.AgentLinkClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Metadata _headers;
    private readonly string _nodeId;
    private Task _loops = Task.CompletedTask;
    private long _version;

    private SimulatedNode(AgentLink.AgentLinkClient client, string nodeId, string joinToken, string nodeToken)
    {
        _client = client;
        _nodeId = nodeId;
        _headers = new Metadata { { "authorization", $"Bearer {joinToken}" }, { "x-flotilla-node-token", nodeToken } };
    }

    public static async Task<SimulatedNode> StartAsync(GrpcChannel channel, string nodeId, string joinToken, IDictionary<string, string> labels)
    {
        var client = new AgentLink.AgentLinkClient(channel);
        var request = new RegisterRequest
        {
            NodeId = nodeId,
            Address = "127.0.0.1",
            Capacity = new NodeCapacity { MilliCpu = 4000, MemoryBytes = 8L << 30, Pids = 10_000 },
            AgentVersion = "simulated",
        };
        request.Labels.Add(labels);
        var registered = await client.RegisterAsync(request, new Metadata { { "authorization", $"Bearer {joinToken}" } });
        var node = new SimulatedNode(client, nodeId, joinToken, registered.NodeToken);
        node._loops = Task.WhenAll(node.HeartbeatAsync(), node.WatchAsync());
        return node;
    }

    private async Task HeartbeatAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _client.HeartbeatAsync(new HeartbeatRequest { NodeId = _nodeId, AppliedVersion = Interlocked.Read(ref _version) }, _headers, cancellationToken: _stop.Token);
                await Task.Delay(500, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = _client.WatchAllocations(new WatchAllocationsRequest { NodeId = _nodeId, KnownVersion = Interlocked.Read(ref _version) }, _headers, cancellationToken: _stop.Token);
                await foreach (var set in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    Interlocked.Exchange(ref _version, set.Version);
                    var report = new ReportAllocationsRequest { NodeId = _nodeId };
                    foreach (var allocation in set.Allocations)
                    {
                        var status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Running, Health = HealthState.Healthy };
                        foreach (var port in allocation.Ports)
                        {
                            status.HostPorts[port.Name] = port.HostPort;
                        }

                        report.Allocations.Add(status);
                    }

                    if (report.Allocations.Count > 0)
                    {
                        await _client.ReportAllocationsAsync(report, _headers, cancellationToken: _stop.Token);
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException)
            {
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loops;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}

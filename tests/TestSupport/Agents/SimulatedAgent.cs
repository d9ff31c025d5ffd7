using Flotilla.Contracts.Agent;
using Grpc.Core;
using Grpc.Net.Client;

namespace Flotilla.TestSupport.Agents;

/// <summary>
/// An agent speaking the real agent protocol without running containers: it registers with a join token,
/// heartbeats, watches its allocation set and reports every allocation Running on the host ports it was given.
/// </summary>
public sealed class SimulatedAgent : IAsyncDisposable
{
    private readonly AgentLink.AgentLinkClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _gate = new();
    private readonly string _joinToken;
    private AllocationSet _current = new();

    private SimulatedAgent(GrpcChannel channel, string joinToken, string nodeId, string token)
    {
        _client = new AgentLink.AgentLinkClient(channel);
        _joinToken = joinToken;
        NodeId = nodeId;
        NodeToken = token;
    }

    public string NodeId { get; }

    public string NodeToken { get; }

    /// <summary>When false the agent reports nothing (its replicas stay Assigned).</summary>
    public bool ReportRunning { get; set; } = true;

    public AllocationSet Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public Metadata NodeHeaders => new()
    {
        { "authorization", $"Bearer {_joinToken}" },
        { "x-flotilla-node-token", NodeToken },
    };

    /// <summary>Registers <paramref name="nodeId"/> with the control plane behind <paramref name="channel"/> and starts its loops.</summary>
    public static async Task<SimulatedAgent> StartAsync(
        GrpcChannel channel, string joinToken, string nodeId, string address = "127.0.0.1", long milliCpu = 4000, long memoryBytes = 8L << 30,
        IDictionary<string, string>? labels = null)
    {
        var client = new AgentLink.AgentLinkClient(channel);
        var request = new RegisterRequest
        {
            NodeId = nodeId,
            Address = address,
            Capacity = new NodeCapacity { MilliCpu = milliCpu, MemoryBytes = memoryBytes, Pids = 100_000 },
            AgentVersion = "simulated",
        };
        request.Labels.Add(labels ?? new Dictionary<string, string>());
        var response = await client.RegisterAsync(request, new Metadata { { "authorization", $"Bearer {joinToken}" } });
        var agent = new SimulatedAgent(channel, joinToken, nodeId, response.NodeToken);
        agent._loops.Add(agent.HeartbeatLoopAsync());
        agent._loops.Add(agent.WatchLoopAsync());
        return agent;
    }

    /// <summary>Waits until the allocation set satisfies <paramref name="condition"/>.</summary>
    public async Task<AllocationSet> WaitForAsync(Func<AllocationSet, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            var current = Current;
            if (condition(current))
            {
                return current;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"node {NodeId}: allocation set never matched; last version {Current.Version} with {Current.Allocations.Count} allocations");
    }

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _client.HeartbeatAsync(new HeartbeatRequest { NodeId = NodeId, AppliedVersion = Current.Version }, NodeHeaders, cancellationToken: _stop.Token);
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

    private async Task WatchLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = _client.WatchAllocations(new WatchAllocationsRequest { NodeId = NodeId, KnownVersion = Current.Version }, NodeHeaders, cancellationToken: _stop.Token);
                await foreach (var set in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    lock (_gate)
                    {
                        _current = set;
                    }

                    if (ReportRunning && set.Allocations.Count > 0)
                    {
                        var report = new ReportAllocationsRequest { NodeId = NodeId };
                        foreach (var allocation in set.Allocations)
                        {
                            var status = new AllocationStatus { AllocationId = allocation.AllocationId, Phase = AllocationPhase.Running, Health = HealthState.Healthy };
                            foreach (var port in allocation.Ports)
                            {
                                status.HostPorts[port.Name] = port.HostPort;
                            }

                            report.Allocations.Add(status);
                        }

                        await _client.ReportAllocationsAsync(report, NodeHeaders, cancellationToken: _stop.Token);
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
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}

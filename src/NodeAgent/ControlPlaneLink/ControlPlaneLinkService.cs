using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.State;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// The agent's half of the agent link. A session registers, then heartbeats, watches the desired
/// allocation set and reports statuses until any of them fails; then the agent waits (exponential
/// backoff with jitter) and starts a new session. Nothing on the host changes while disconnected.
/// </summary>
public sealed class ControlPlaneLinkService(
    DesiredAllocations desired,
    AllocationStatusBoard board,
    AllocationHealthChecks health,
    IOptions<ControlPlaneLinkOptions> options,
    IOptions<AgentOptions> agent,
    TimeProvider time,
    ILogger<ControlPlaneLinkService> logger) : BackgroundService
{
    public const string NodeTokenHeader = "x-flotilla-node-token";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    // A session that lasted this long was healthy: the backoff starts over after it ends. Shorter ones keep
    // growing it, so a control plane that accepts Register and then fails every session is not hammered.
    private static readonly TimeSpan StableSession = TimeSpan.FromSeconds(30);

    private volatile bool _connected;

    /// <summary>True while a session is registered (for /healthz-style checks and tests).</summary>
    public bool Connected => _connected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var channel = GrpcChannel.ForAddress(settings.Address!, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                // A control plane that vanished without closing the connection is noticed within ~30 s.
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                EnableMultipleHttp2Connections = true,
            },
            DisposeHttpClient = true,
        });
        var client = new AgentLink.AgentLinkClient(channel);
        var backoff = new ReconnectBackoff(settings.MaxReconnectDelay);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            try
            {
                await RunSessionAsync(client, stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // The agent is stopping; containers keep running without it.
                return;
            }
            catch (Exception error)
            {
                // Whatever ended the session (the network, the control plane, an unreadable token file), the
                // agent must not stop with it: its containers keep running and it tries again.
                _connected = false;
                if (time.GetUtcNow() - started >= StableSession)
                {
                    failures = 0;
                }

                var delay = backoff.Delay(++failures);
                LinkLog.Disconnected(logger, settings.Address!, Describe(error), delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunSessionAsync(AgentLink.AgentLinkClient client, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var identity = await LinkIdentity.ResolveAsync(settings, agent.Value, stoppingToken);
        var joinHeaders = new Metadata { { "authorization", $"Bearer {identity.JoinToken}" } };
        var response = await client.RegisterAsync(identity.ToRegisterRequest(settings), joinHeaders, Deadline(), stoppingToken);
        _connected = true;
        health.AdvertisedAddress = identity.AdvertisedAddress;
        LinkLog.Registered(logger, settings.Address!, identity.NodeId, identity.AdvertisedAddress);

        var headers = new Metadata
        {
            { "authorization", $"Bearer {identity.JoinToken}" },
            { NodeTokenHeader, response.NodeToken },
        };
        var heartbeat = TimeSpan.FromSeconds(Math.Max(1, response.HeartbeatIntervalSeconds));
        var inSync = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task[] loops =
        [
            HeartbeatLoopAsync(client, identity.NodeId, headers, heartbeat, inSync, session.Token),
            WatchLoopAsync(client, identity.NodeId, headers, inSync, session.Token),
            ReportLoopAsync(client, identity.NodeId, headers, inSync.Task, session.Token),
        ];
        var ended = await Task.WhenAny(loops);
        await session.CancelAsync();
        await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await ended;
    }

    private async Task HeartbeatLoopAsync(
        AgentLink.AgentLinkClient client, string nodeId, Metadata headers, TimeSpan interval, TaskCompletionSource inSync, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await client.HeartbeatAsync(
                new HeartbeatRequest { NodeId = nodeId, AppliedVersion = desired.AppliedVersion }, headers, Deadline(), cancellationToken);
            if (desired.Current is { } current && current.Version == response.DesiredVersion)
            {
                // The control plane skips resending a set the agent already holds: this is how we know ours is current.
                inSync.TrySetResult();
            }

            await Task.Delay(interval, time, cancellationToken);
        }
    }

    private async Task WatchLoopAsync(
        AgentLink.AgentLinkClient client, string nodeId, Metadata headers, TaskCompletionSource inSync, CancellationToken cancellationToken)
    {
        var request = new WatchAllocationsRequest { NodeId = nodeId, KnownVersion = desired.Current?.Version ?? 0 };
        using var call = client.WatchAllocations(request, headers, cancellationToken: cancellationToken);
        await foreach (var set in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            LinkLog.DesiredSet(logger, set.Version, set.Allocations.Count);
            desired.Update(set);
            inSync.TrySetResult();
        }

        throw new RpcException(new Status(StatusCode.Unavailable, "the control plane closed the allocation stream"));
    }

    private async Task ReportLoopAsync(
        AgentLink.AgentLinkClient client, string nodeId, Metadata headers, Task inSync, CancellationToken cancellationToken)
    {
        // Until the desired set of this session is known, statuses may name allocations the control plane
        // released while we were away; it would refuse the whole report.
        await inSync.WaitAsync(cancellationToken);
        var interval = options.Value.ReportInterval;
        var nextFull = time.GetUtcNow();
        while (true)
        {
            var stopped = board.TakeStopped();
            if (stopped.Count > 0)
            {
                try
                {
                    await SendAsync(client, nodeId, headers, stopped, cancellationToken);
                }
                catch (RpcException error) when (error.StatusCode == StatusCode.PermissionDenied)
                {
                    // The control plane already forgot these allocations; there is nobody left to tell.
                }
            }

            var full = time.GetUtcNow() >= nextFull;
            if (full)
            {
                nextFull = time.GetUtcNow() + interval;
            }

            var current = desired.Current?.Allocations.Select(a => a.AllocationId).ToHashSet(StringComparer.Ordinal) ?? [];
            var statuses = board.TakeChanged(full).Where(s => current.Contains(s.AllocationId)).ToList();
            if (statuses.Count > 0)
            {
                try
                {
                    await SendAsync(client, nodeId, headers, statuses, cancellationToken);
                }
                catch (RpcException error)
                {
                    board.MarkUnsent(statuses);
                    LinkLog.ReportFailed(logger, Describe(error));
                    throw;
                }
            }

            var wait = nextFull - time.GetUtcNow();
            await board.Changed.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
        }
    }

    private static async Task SendAsync(
        AgentLink.AgentLinkClient client, string nodeId, Metadata headers, IReadOnlyList<AllocationStatus> statuses, CancellationToken cancellationToken)
    {
        var request = new ReportAllocationsRequest { NodeId = nodeId };
        request.Allocations.AddRange(statuses);
        await client.ReportAllocationsAsync(request, headers, Deadline(), cancellationToken);
    }

    private static DateTime Deadline() => DateTime.UtcNow + CallTimeout;

    private static string Describe(Exception error) => error switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => error.Message,
    };
}

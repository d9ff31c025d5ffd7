using Flotilla.Contracts.Routes;
using Flotilla.Gateway.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// Keeps one <c>RouteFeed.Watch</c> subscription open and applies every table it receives.
/// When the control plane is unreachable it keeps the last table (static stability) and
/// resubscribes with exponential backoff and jitter.
/// </summary>
internal sealed class RouteFeedClient(
    RouteTableConfigProvider provider,
    IOptions<ControlPlaneOptions> options,
    IOptions<GatewayOptions> gatewayOptions,
    TimeProvider timeProvider,
    ILogger<RouteFeedClient> logger) : BackgroundService
{
    private readonly ControlPlaneOptions _options = options.Value;
    private readonly RouteTableFile? _file = gatewayOptions.Value.RouteTableFile.Length > 0 ? new RouteTableFile(gatewayOptions.Value.RouteTableFile) : null;
    private volatile bool _connected;

    /// <summary>True while a subscription is open (the control plane answered it).</summary>
    public bool Connected => _connected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await LoadFileAsync(stoppingToken);
        using var channel = GrpcChannel.ForAddress(_options.Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                KeepAlivePingDelay = _options.KeepAlivePingDelay,
                KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                EnableMultipleHttp2Connections = true,
            },

            // The channel's own reconnect backoff (120 s at most by default) would otherwise outlast ours:
            // after a long outage every subscription failed fast for minutes although the control plane was back.
            InitialReconnectBackoff = _options.ReconnectMinDelay,
            MaxReconnectBackoff = _options.ReconnectMaxDelay,
        });
        var client = new RouteFeed.RouteFeedClient(channel);
        var headers = new Metadata { { "authorization", "Bearer " + _options.Token } };
        var delay = _options.ReconnectMinDelay;

        while (!stoppingToken.IsCancellationRequested)
        {
            var knownVersion = provider.Current?.Version ?? 0;
            RouteFeedLog.Subscribing(logger, _options.Address, _options.EffectiveGatewayId, knownVersion);
            try
            {
                using var call = client.Watch(
                    new WatchRoutesRequest { GatewayId = _options.EffectiveGatewayId, KnownVersion = knownVersion },
                    headers,
                    cancellationToken: stoppingToken);

                // The control plane answers with headers at once and sends a table only when ours is stale (after
                // its restart it usually is not): an open subscription is a connected one.
                await call.ResponseHeadersAsync.WaitAsync(stoppingToken);
                _connected = true;
                await foreach (var table in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    _connected = true;
                    if (Apply(table))
                    {
                        // Not cancelled by shutdown: a table applied just before stopping must still reach the disk.
                        await SaveFileAsync(table, CancellationToken.None);
                    }

                    delay = _options.ReconnectMinDelay;
                }

                _connected = false;
                RouteFeedLog.StreamEnded(logger, _options.Address, provider.Current?.Version ?? 0, delay);
            }
            catch (Exception e) when (stoppingToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                break;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                _connected = false;
                RouteFeedLog.Unauthenticated(logger, _options.Address, e.StatusCode.ToString(), delay);
            }
            catch (RpcException e)
            {
                _connected = false;
                RouteFeedLog.Unavailable(logger, _options.Address, $"{e.StatusCode}: {e.Status.Detail}", provider.Current?.Version ?? 0, delay);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
            {
                // Whatever breaks one subscription must not stop the gateway: it keeps serving its last table.
                _connected = false;
                RouteFeedLog.Unavailable(logger, _options.Address, e.Message, provider.Current?.Version ?? 0, delay);
            }

            try
            {
                await Task.Delay(Jitter(delay), timeProvider, stoppingToken);
                delay = NextDelay(delay);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _connected = false;
    }

    private bool Apply(RouteTable table)
    {
        var current = provider.Current;
        if (current is not null && current.Version == table.Version && current.Table.Routes.Equals(table.Routes))
        {
            return false;
        }

        var translated = provider.Apply(table);
        foreach (var problem in translated.Problems)
        {
            RouteFeedLog.TableProblem(logger, table.Version, problem);
        }

        RouteFeedLog.Applied(logger, table.Version, translated.Routes.Count, translated.Clusters.Sum(c => c.Destinations?.Count ?? 0));
        return true;
    }

    private async Task LoadFileAsync(CancellationToken cancellationToken)
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            if (await _file.LoadAsync(cancellationToken) is { } table && provider.Current is null)
            {
                provider.Apply(table);
                RouteFeedLog.LoadedFromFile(logger, table.Version, _file.Path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidProtocolBufferException or InvalidJsonException)
        {
            RouteFeedLog.FileFailed(logger, _file.Path, e.Message);
        }
    }

    private async Task SaveFileAsync(RouteTable table, CancellationToken cancellationToken)
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            await _file.SaveAsync(table, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RouteFeedLog.FileFailed(logger, _file.Path, e.Message);
        }
    }

    private TimeSpan NextDelay(TimeSpan delay)
    {
        var doubled = delay * 2;
        return doubled > _options.ReconnectMaxDelay ? _options.ReconnectMaxDelay : doubled;
    }

    // Up to 20% less, so a fleet of gateways does not reconnect in lock-step after a control plane restart.
    private static TimeSpan Jitter(TimeSpan delay) => delay * (1 - (Random.Shared.NextDouble() * 0.2));
}

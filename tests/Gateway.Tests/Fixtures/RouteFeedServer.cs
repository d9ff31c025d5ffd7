using Flotilla.Contracts.Routes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Gateway.Tests.Fixtures;

/// <summary>
/// A real gRPC <c>RouteFeed</c> server (Kestrel, h2c, loopback) that the test drives: each
/// <see cref="Publish"/> sends the whole table to every subscribed gateway, as the control plane does.
/// </summary>
public sealed class RouteFeedServer : IAsyncDisposable
{
    private readonly FeedService _service = new();
    private WebApplication? _app;

    private RouteFeedServer(int port) => Port = port;

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Authorization headers of every Watch call received.</summary>
    public IReadOnlyList<string> AuthorizationHeaders => _service.Authorizations;

    public int Subscriptions => _service.Authorizations.Count;

    public static async Task<RouteFeedServer> StartAsync(int port = 0)
    {
        var server = new RouteFeedServer(port);
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts serving again on the same port (after <see cref="StopAsync"/>), with the last published table.</summary>
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_service);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, Port, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<FeedService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            _service.DisconnectAll();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Publishes a new table version made of <paramref name="routes"/>; returns it.</summary>
    public RouteTable Publish(params Route[] routes) => _service.Publish(routes);

    public async ValueTask DisposeAsync() => await StopAsync();

    internal sealed class FeedService : RouteFeed.RouteFeedBase
    {
        private readonly Lock _lock = new();
        private readonly List<string> _authorizations = [];
        private RouteTable? _current;
        private long _version;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenSource _disconnect = new();

        public IReadOnlyList<string> Authorizations
        {
            get
            {
                lock (_lock)
                {
                    return [.. _authorizations];
                }
            }
        }

        public RouteTable Publish(Route[] routes)
        {
            lock (_lock)
            {
                var table = new RouteTable { Version = ++_version, GeneratedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
                table.Routes.AddRange(routes);
                _current = table;
                var changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.SetResult();
                return table;
            }
        }

        public void DisconnectAll()
        {
            lock (_lock)
            {
                _disconnect.Cancel();
                _disconnect = new CancellationTokenSource();
            }
        }

        public override async Task Watch(WatchRoutesRequest request, IServerStreamWriter<RouteTable> responseStream, ServerCallContext context)
        {
            CancellationToken disconnect;
            lock (_lock)
            {
                _authorizations.Add(context.RequestHeaders.GetValue("authorization") ?? "");
                disconnect = _disconnect.Token;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, disconnect);
            RouteTable? sent = null;
            try
            {
                while (!linked.IsCancellationRequested)
                {
                    RouteTable? current;
                    Task changed;
                    lock (_lock)
                    {
                        current = _current;
                        changed = _changed.Task;
                    }

                    if (current is not null && !ReferenceEquals(current, sent))
                    {
                        await responseStream.WriteAsync(current, linked.Token);
                        sent = current;
                    }

                    await changed.WaitAsync(linked.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The gateway hung up or the test stopped the server.
            }
        }
    }
}

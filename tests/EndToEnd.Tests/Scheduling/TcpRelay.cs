using System.Net;
using System.Net.Sockets;

namespace Flotilla.EndToEnd.Tests.Scheduling;

/// <summary>
/// Forwards TCP connections from <see cref="Endpoint"/> to a loopback service, so the netns hosts (which
/// reach the root namespace only at their bridge's address) can use a server that listens on 127.0.0.1
/// alone, such as the test registry.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private TcpRelay(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Listens on <paramref name="address"/> (a free port) and forwards to <paramref name="target"/>.</summary>
    public static TcpRelay Start(IPAddress address, IPEndPoint target)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        return new TcpRelay(listener, target);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception error) when (error is IOException or SocketException or OperationCanceledException)
            {
                // One connection ended badly; the client sees it closed.
            }
        }
    }
}

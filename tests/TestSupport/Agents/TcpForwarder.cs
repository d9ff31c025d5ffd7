using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.TestSupport.Agents;

/// <summary>
/// Makes a server that listens on loopback (a <see cref="Registry.RegistryFixture"/>) reachable from netns
/// hosts: listens on <c>address:0</c> (e.g. <see cref="Netns.NetnsHosts.GatewayAddress"/>) and copies each
/// connection to the target, in this process.
/// <code>
/// await using var forwarder = TcpForwarder.Start(hosts.GatewayAddress, registry.Address);
/// // agents pull forwarder.Address + "/httpd:1.0", with --Images:PlainHttpRegistries:0=&lt;forwarder.Address&gt;
/// </code>
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private TcpForwarder(TcpListener listener, string targetHost, int targetPort)
    {
        _listener = listener;
        _targetHost = targetHost;
        _targetPort = targetPort;
        _accepting = AcceptAsync();
    }

    /// <summary>Where it listens: <c>address:port</c>.</summary>
    public string Address
    {
        get
        {
            var endpoint = (IPEndPoint)_listener.LocalEndpoint;
            return $"{endpoint.Address}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        }
    }

    /// <summary>Listens on a free port of <paramref name="listenAddress"/> and forwards to <paramref name="target"/> (<c>host:port</c>).</summary>
    public static TcpForwarder Start(string listenAddress, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var colon = target.LastIndexOf(':');
        var listener = new TcpListener(IPAddress.Parse(listenAddress), 0);
        listener.Start();
        return new TcpForwarder(listener, target[..colon], int.Parse(target[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Stops listening and closes every forwarded connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception error) when (error is OperationCanceledException or IOException or SocketException)
            {
                // One side went away: close both.
            }
        }
    }
}

using System.Net.Sockets;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>HTTP clients for the agent's Docker Engine API on its unix socket.</summary>
public static class AgentHttp
{
    /// <summary>A client whose every connection goes to <paramref name="socketPath"/>; the caller disposes it.</summary>
    public static HttpClient CreateClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://agent/"), Timeout = TimeSpan.FromSeconds(60) };
    }
}

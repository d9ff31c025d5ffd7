using System.Globalization;
using System.Net.Sockets;
using Flotilla.TestSupport.Processes;

namespace Flotilla.ControlPlane.Tests.Hosting;

/// <summary>
/// A private Debian redis-server on a free loopback port with its own temp directory, persistence off:
/// the control plane's cluster state lives in it for one test. Disposing stops it and removes the directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly BackgroundProcess _process;
    private readonly string _directory;

    private RedisServer(BackgroundProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("flotilla-redis-test-").FullName;
        var port = FreePorts.Next();
        var process = BackgroundProcess.Start("redis-server",
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--save", string.Empty, "--appendonly", "no", "--protected-mode", "yes",
        ]);
        var server = new RedisServer(process, directory, port);
        try
        {
            await process.WaitForOutputAsync(line => line.Contains("Ready to accept connections", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            using var probe = new TcpClient();
            await probe.ConnectAsync("127.0.0.1", port);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

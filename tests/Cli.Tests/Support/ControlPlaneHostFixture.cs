using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Flotilla.ControlPlane.Hosting;
using Flotilla.TestSupport.Agents;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// A real control plane (embedded mode: a real Orleans silo, state in a temp directory, free ports) and one
/// simulated node that registers through the real agent protocol and reports its replicas running.
/// </summary>
public sealed class ControlPlaneHostFixture : IAsyncLifetime
{
    public const string ApiToken = "cli-test-api-token-0123456789abcdef";
    public const string JoinToken = "cli-test-join-token-0123456789abcdef";

    private WebApplication? _app;
    private GrpcChannel? _channel;
    private SimulatedAgent? _node;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("flotilla-cli-cp-").FullName;

    public string Server { get; private set; } = "";

    public string NodeId { get; } = $"node-{Guid.NewGuid():N}"[..17];

    private CliRunner? _anonymous;

    /// <summary>Runs flotilla against this control plane with the API token in FLOTILLA_TOKEN.</summary>
    public CliRunner Cli => Anonymous.With("FLOTILLA_TOKEN", ApiToken);

    /// <summary>Runs flotilla against this control plane with no token at all.</summary>
    public CliRunner Anonymous => _anonymous ?? throw new InvalidOperationException("the fixture has not started");

    public async Task InitializeAsync()
    {
        var rest = FreePort();
        var grpc = FreePort();
        var args = new Dictionary<string, string>
        {
            ["ControlPlane:Mode"] = nameof(ControlPlaneMode.Embedded),
            ["ControlPlane:DataDirectory"] = DataDirectory,
            ["ControlPlane:RestPort"] = rest.ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["ControlPlane:ApiToken"] = ApiToken,
            ["ControlPlane:JoinToken"] = JoinToken,
            ["ControlPlane:HeartbeatIntervalSeconds"] = "1",
            ["ControlPlane:NodeTimeoutSeconds"] = "10",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        _app = ControlPlaneHost.Build([.. args.Select(a => $"--{a.Key}={a.Value}")]);
        await _app.StartAsync();
        Server = $"http://127.0.0.1:{rest}";
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}");
        _node = await SimulatedAgent.StartAsync(_channel, JoinToken, NodeId, labels: new Dictionary<string, string> { ["zone"] = "a" });
        _anonymous = new CliRunner(new Dictionary<string, string> { ["FLOTILLA_SERVER"] = Server });
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_node is not null)
            {
                await _node.DisposeAsync();
            }

            _channel?.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
        finally
        {
            _anonymous?.Cleanup();
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net.Http.Headers;
using Flotilla.ControlPlane.Hosting;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Grpc.Net.Client;

namespace Flotilla.ControlPlane.Tests.Hosting;

/// <summary>
/// A real control plane (Kestrel on free ports, a real Orleans silo) inside the test process.
/// Embedded mode keeps state under <see cref="DataDirectory"/>; cluster mode uses a Redis.
/// </summary>
public sealed class TestControlPlane : IAsyncDisposable
{
    public const string ApiToken = "test-api-token-0123456789abcdef";
    public const string JoinToken = "test-join-token-0123456789abcdef";

    private readonly WebApplication _app;

    private TestControlPlane(WebApplication app, string dataDirectory, int restPort, int grpcPort)
    {
        _app = app;
        DataDirectory = dataDirectory;
        RestPort = restPort;
        GrpcPort = grpcPort;
        Rest = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
    }

    public string DataDirectory { get; }
    public int RestPort { get; }
    public int GrpcPort { get; }

    /// <summary>REST client carrying the API token.</summary>
    public HttpClient Rest { get; }

    public GrpcChannel Grpc { get; }

    public static Metadata ApiHeaders => new() { { "authorization", $"Bearer {ApiToken}" } };

    public static string NewDataDirectory() =>
        Directory.CreateTempSubdirectory("flotilla-cp-test-").FullName;

    /// <summary>Starts a silo; pass the same <paramref name="dataDirectory"/> to restart over the same state.</summary>
    public static async Task<TestControlPlane> StartAsync(
        string dataDirectory, string? redis = null, string? clusterId = null, IDictionary<string, string>? extra = null)
    {
        // A port the kernel handed out as free can be taken by another test's connection before the silo binds it:
        // then start again on fresh ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryStartAsync(dataDirectory, redis, clusterId, extra);
            }
            catch (Exception error) when (attempt < 3 && IsAddressInUse(error))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception error) =>
        error is Microsoft.AspNetCore.Connections.AddressInUseException
        || error.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse };

    private static async Task<TestControlPlane> TryStartAsync(
        string dataDirectory, string? redis, string? clusterId, IDictionary<string, string>? extra)
    {
        var restPort = FreePorts.Next();
        var grpcPort = FreePorts.Next();
        var args = new Dictionary<string, string>
        {
            ["ControlPlane:Mode"] = redis is null ? nameof(ControlPlaneMode.Embedded) : nameof(ControlPlaneMode.Cluster),
            ["ControlPlane:DataDirectory"] = dataDirectory,
            ["ControlPlane:RestPort"] = restPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ControlPlane:ApiToken"] = ApiToken,
            ["ControlPlane:JoinToken"] = JoinToken,
            ["ControlPlane:HeartbeatIntervalSeconds"] = "1",
            ["ControlPlane:NodeTimeoutSeconds"] = "10",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        if (redis is not null)
        {
            args["ControlPlane:Redis"] = redis;
            args["ControlPlane:ClusterId"] = clusterId ?? "test";
            args["ControlPlane:ServiceId"] = clusterId ?? "test";
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            args[key] = value;
        }

        var app = ControlPlaneHost.Build([.. args.Select(a => $"--{a.Key}={a.Value}")]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new TestControlPlane(app, dataDirectory, restPort, grpcPort);
    }

    public async Task StopAsync()
    {
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Rest.Dispose();
        Grpc.Dispose();
        try
        {
            await _app.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        await _app.DisposeAsync();
    }
}

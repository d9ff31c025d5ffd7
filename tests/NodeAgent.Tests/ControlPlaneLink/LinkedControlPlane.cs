using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Flotilla.ControlPlane.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>
/// A real control plane (embedded mode, a real Orleans silo, state in a temp directory) hosted in the test
/// process on free ports. <see cref="RestartAsync"/> brings it back on the same REST and gRPC ports over the
/// same state, as a restarted service would be.
/// </summary>
internal sealed class LinkedControlPlane : IAsyncDisposable
{
    public const string ApiToken = "link-test-api-token-0123456789abcdef";
    public const string JoinToken = "link-test-join-token-0123456789abcdef";
    private WebApplication? _app;

    private LinkedControlPlane(string dataDirectory, int restPort, int grpcPort)
    {
        DataDirectory = dataDirectory;
        RestPort = restPort;
        GrpcPort = grpcPort;
        Rest = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
    }

    public string DataDirectory { get; }

    public int RestPort { get; }

    public int GrpcPort { get; }

    public HttpClient Rest { get; }

    public static async Task<LinkedControlPlane> StartAsync()
    {
        var controlPlane = new LinkedControlPlane(Directory.CreateTempSubdirectory("flotilla-link-cp-").FullName, FreePort(), FreePort());
        await controlPlane.StartAppAsync();
        return controlPlane;
    }

    /// <summary>Stops the silo and its APIs (its state stays on disk).</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public Task RestartAsync() => StartAppAsync();

    /// <summary>Starts it again if a test stopped it (and failed before restarting it).</summary>
    public async Task EnsureRunningAsync()
    {
        if (_app is null)
        {
            await StartAppAsync();
        }
    }

    public async Task<JsonElement> DeployAsync(string yaml)
    {
        using var response = await Rest.PostAsync(new Uri("/v1/workloads", UriKind.Relative), new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    public async Task<JsonElement> ScaleAsync(string workload, int replicas)
    {
        using var response = await Rest.PostAsJsonAsync(new Uri($"/v1/workloads/{workload}/scale", UriKind.Relative), new { replicas });
        return await ReadAsync(response, HttpStatusCode.OK);
    }

    public async Task DeleteAsync(string workload)
    {
        using var response = await Rest.DeleteAsync(new Uri($"/v1/workloads/{workload}", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"DELETE {workload}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JsonElement?> GetAsync(string workload)
    {
        using var response = await Rest.GetAsync(new Uri($"/v1/workloads/{workload}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Polls the workload until <paramref name="condition"/> holds; fails with the last view.</summary>
    public async Task<JsonElement> WaitForAsync(string workload, Func<JsonElement, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        JsonElement? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(workload);
            if (last is { } view && condition(view))
            {
                return view;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"workload {workload} never had {what}; last seen: {last?.GetRawText() ?? "(none)"}");
    }

    /// <summary>Polls node <paramref name="nodeId"/> until it is Ready and its agent has applied the newest desired version.</summary>
    public async Task<JsonElement> WaitForNodeConvergedAsync(string nodeId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await Rest.GetAsync(new Uri($"/v1/nodes/{nodeId}", UriKind.Relative));
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var node = JsonDocument.Parse(last).RootElement.Clone();
                if (node.GetProperty("state").GetString() == "Ready" &&
                    node.GetProperty("appliedVersion").GetInt64() == node.GetProperty("desiredVersion").GetInt64() &&
                    node.GetProperty("desiredVersion").GetInt64() > 0)
                {
                    return node;
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"node {nodeId} never converged; last seen: {last}");
    }

    /// <summary>The replicas the control plane shows running: (id, node, node address, host port "http").</summary>
    public static IReadOnlyList<(string Id, string Node, string Address, int HostPort)> RunningReplicas(JsonElement workload) =>
        [.. workload.GetProperty("replicas").EnumerateArray()
            .Where(r => r.GetProperty("state").GetString() == "Running")
            .Select(r => (
                r.GetProperty("id").GetString()!,
                r.GetProperty("nodeId").GetString()!,
                r.GetProperty("address").GetString()!.Split(':')[0],
                r.GetProperty("hostPorts").GetProperty("http").GetInt32()))];

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Rest.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task StartAppAsync()
    {
        string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
        var app = ControlPlaneHost.Build(
        [
            "--ControlPlane:Mode=Embedded",
            $"--ControlPlane:DataDirectory={DataDirectory}",
            $"--ControlPlane:RestPort={Port(RestPort)}",
            $"--ControlPlane:GrpcPort={Port(GrpcPort)}",
            $"--ControlPlane:SiloPort={Port(FreePort())}",
            $"--ControlPlane:GatewayPort={Port(FreePort())}",
            $"--ControlPlane:ApiToken={ApiToken}",
            $"--ControlPlane:JoinToken={JoinToken}",
            "--ControlPlane:HeartbeatIntervalSeconds=1",
            "--ControlPlane:NodeTimeoutSeconds=10",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
        ]);
        await app.StartAsync();
        _app = app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

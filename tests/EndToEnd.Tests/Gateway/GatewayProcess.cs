using System.Globalization;
using System.Text.Json;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Gateway;

/// <summary>
/// A real gateway process (<c>dotnet Flotilla.Gateway.dll</c>) on free proxy and admin ports, subscribed
/// to a control plane's route feed with the token in its environment, as an operator would start it.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly HttpClient _admin;
    private readonly DotnetServiceProcess _service;

    private GatewayProcess(string root)
    {
        Root = root;
        ProxyPort = DotnetServiceProcess.FreePort();
        AdminPort = DotnetServiceProcess.FreePort();
        var admin = new Uri($"http://127.0.0.1:{AdminPort.ToString(CultureInfo.InvariantCulture)}");
        _service = new DotnetServiceProcess("Gateway", "the gateway", Path.Combine(Root, "gateway.log"), new Uri(admin, "/healthz"));
        _admin = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Root { get; }

    public int ProxyPort { get; }

    public int AdminPort { get; }

    public Uri ProxyUri => new($"http://127.0.0.1:{ProxyPort.ToString(CultureInfo.InvariantCulture)}");

    public string LogPath => _service.LogPath;

    public static async Task<GatewayProcess> StartAsync(string controlPlaneAddress, string token)
    {
        var root = Directory.CreateTempSubdirectory("flotilla-e2e-gw-").FullName;
        GatewayProcess? gateway = null;
        try
        {
            gateway = new GatewayProcess(root);
            await gateway._service.StartAsync(
                [
                    $"--Gateway:ProxyPort={gateway.ProxyPort.ToString(CultureInfo.InvariantCulture)}",
                    $"--Gateway:AdminPort={gateway.AdminPort.ToString(CultureInfo.InvariantCulture)}",
                    "--ControlPlane:ReconnectMaxDelay=00:00:01",
                    "--ControlPlane:KeepAlivePingDelay=00:00:02",
                    "--ControlPlane:KeepAlivePingTimeout=00:00:02",
                ],
                // The address and token through the environment, as a unit file or container would pass them.
                new Dictionary<string, string> { ["ControlPlane__Address"] = controlPlaneAddress, ["ControlPlane__Token"] = token });
            return gateway;
        }
        catch
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }
            else
            {
                Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    /// <summary>The gateway's <c>/routes</c>: the table it serves, as JSON.</summary>
    public async Task<JsonElement> RoutesAsync()
    {
        using var response = await _admin.GetAsync(new Uri("/routes", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The replica ids the gateway routes <paramref name="workload"/> to and considers available.</summary>
    public async Task<IReadOnlySet<string>> AvailableDestinationsAsync(string workload)
    {
        var routes = await RoutesAsync();
        return routes.GetProperty("routes").EnumerateArray()
            .Where(r => r.GetProperty("workload").GetString() == workload)
            .SelectMany(r => r.GetProperty("destinations").EnumerateArray())
            .Where(d => d.GetProperty("available").GetBoolean())
            .Select(d => d.GetProperty("replicaId").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    public string LogTail() => _service.LogTail(30);

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        _admin.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

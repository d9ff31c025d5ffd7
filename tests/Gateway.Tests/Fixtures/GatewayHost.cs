using System.Net.Http.Json;
using System.Text.Json;
using Flotilla.Gateway.Admin;
using Flotilla.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Gateway.Tests.Fixtures;

/// <summary>The real gateway (the same registration Program.cs uses) on free loopback ports.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string Token = "test-token-7f3a";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, int proxyPort, int adminPort)
    {
        _app = app;
        ProxyPort = proxyPort;
        AdminPort = adminPort;
        // No cookie container: each request carries only the cookies the test adds (session affinity).
        Proxy = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{proxyPort}"), Timeout = TimeSpan.FromSeconds(20) };
        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public int ProxyPort { get; }

    public int AdminPort { get; }

    /// <summary>A client of the proxy port; each request opens connections as a browser would.</summary>
    public HttpClient Proxy { get; }

    public HttpClient Admin { get; }

    public static async Task<GatewayHost> StartAsync(string controlPlaneAddress, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Test",
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (Environment.GetEnvironmentVariable("GATEWAY_TEST_LOGS") != "1")
        {
            builder.Logging.ClearProviders();
        }

        var config = new Dictionary<string, string?>
        {
            ["Gateway:ProxyPort"] = "0",
            ["Gateway:AdminPort"] = "0",
            ["ControlPlane:Address"] = controlPlaneAddress,
            ["ControlPlane:Token"] = Token,
            ["ControlPlane:GatewayId"] = "gw-test",
            ["ControlPlane:ReconnectMinDelay"] = "00:00:00.100",
            ["ControlPlane:ReconnectMaxDelay"] = "00:00:00.500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.AddGateway();
        var app = builder.Build();
        app.MapGateway();
        await app.StartAsync();
        var adminPort = app.Services.GetRequiredService<AdminServer>().Port;
        return new GatewayHost(app, AdminServer.ListeningPort(app), adminPort);
    }

    /// <summary>Sends a GET through the proxy, optionally with a Host header.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await Proxy.SendAsync(request);
    }

    public async Task<JsonElement> RoutesAsync() => await Admin.GetFromJsonAsync<JsonElement>("/routes");

    /// <summary>Waits until the gateway serves route table <paramref name="version"/> (or later).</summary>
    public Task WaitForVersionAsync(long version) =>
        Eventually.TrueAsync(async () => (await RoutesAsync()).GetProperty("version").GetInt64() >= version, $"route table version {version}");

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        Admin.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}

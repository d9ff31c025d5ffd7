using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.Gateway.Tests.Fixtures;

/// <summary>
/// A real HTTP/1.1 server on a loopback port standing in for one replica: answers with its own
/// name, echoes the forwarded headers it received, and has a health path the test can fail.
/// </summary>
public sealed class Upstream : IAsyncDisposable
{
    private WebApplication? _app;
    private int _requests;

    private Upstream(string name) => Name = name;

    public string Name { get; }

    public int Port { get; private set; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Requests served outside the health path.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Status the <c>/health</c> path answers with.</summary>
    public int HealthStatus { get; set; } = StatusCodes.Status200OK;

    public static async Task<Upstream> StartAsync(string name)
    {
        var upstream = new Upstream(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/health", (HttpContext c) => Results.StatusCode(upstream.HealthStatus));
        app.Map("/{**path}", async (HttpContext context) =>
        {
            Interlocked.Increment(ref upstream._requests);
            if (context.Request.Path.StartsWithSegments("/slow", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            }

            context.Response.Headers["X-Upstream"] = upstream.Name;
            context.Response.Headers["X-Seen-Forwarded-For"] = context.Request.Headers["X-Forwarded-For"].ToString();
            context.Response.Headers["X-Seen-Forwarded-Host"] = context.Request.Headers["X-Forwarded-Host"].ToString();
            context.Response.Headers["X-Seen-Forwarded-Proto"] = context.Request.Headers["X-Forwarded-Proto"].ToString();
            context.Response.Headers["X-Seen-Path"] = context.Request.Path.Value;
            await context.Response.WriteAsync(upstream.Name);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        upstream.Port = new Uri(address).Port;
        upstream._app = app;
        return upstream;
    }

    /// <summary>Stops the server as a killed container would: the port refuses connections afterwards.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

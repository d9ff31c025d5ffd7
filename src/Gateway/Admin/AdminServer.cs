using Flotilla.Gateway.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Flotilla.Gateway.Admin;

/// <summary>
/// A second, small Kestrel server on the admin port. Kept apart from the proxy's pipeline so that
/// no workload route can shadow <c>/metrics</c> and admin endpoints are never reachable on the proxy port.
/// </summary>
internal sealed class AdminServer(
    IServiceProvider gateway,
    IOptions<GatewayOptions> options,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The port the admin server listens on (resolved when configured as 0).</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(options.Value.AdminPort));
        var app = builder.Build();
        app.MapAdminApi(gateway);
        await app.StartAsync(cancellationToken);
        _app = app;
        Port = ListeningPort(app);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    internal static int ListeningPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
    }
}

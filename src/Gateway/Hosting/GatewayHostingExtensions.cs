using Flotilla.Gateway.Admin;
using Flotilla.Gateway.HealthChecks;
using Flotilla.Gateway.Metrics;
using Flotilla.Gateway.Proxy;
using Flotilla.Gateway.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Flotilla.Gateway.Hosting;

internal static class GatewayHostingExtensions
{
    /// <summary>Registers the proxy, the route feed client, the admin server and their options.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<ControlPlaneOptions>().BindConfiguration(ControlPlaneOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlPlaneOptions>, ControlPlaneOptionsValidator>();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenAnyIP(gateway.Value.ProxyPort);
        });

        // Read a keep-alive connection's next request straight into a buffer instead of first waiting
        // with a zero-byte read: one receive syscall less per request, for a 4 KiB pooled buffer held
        // by each idle client connection (40 MiB at 10,000 idle connections).
        services.Configure<SocketTransportOptions>(sockets => sockets.WaitForDataBeforeAllocatingBuffer = false);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<RouteTableConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<RouteTableConfigProvider>());
        services.AddSingleton<IPassiveHealthCheckPolicy, ConsecutiveTransportFailuresPolicy>();
        services.AddSingleton<IConfigChangeListener, RouteTableChangeListener>();
        services.AddReverseProxy();

        services.AddSingleton<RouteFeedClient>();
        services.AddHostedService(sp => sp.GetRequiredService<RouteFeedClient>());
        services.AddSingleton<AdminServer>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminServer>());
        return builder;
    }

    /// <summary>The proxy pipeline: unmatched and error answers and metrics around YARP's own stages.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseRouting();
        app.UseMiddleware<GatewayResponseMiddleware>();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}

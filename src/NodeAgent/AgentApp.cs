using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.DockerApi;
using Flotilla.NodeAgent.Metrics;
using Flotilla.NodeAgent.State;
using Microsoft.AspNetCore.Connections;

namespace Flotilla.NodeAgent;

/// <summary>Builds the agent: the Docker Engine API on its unix socket, /metrics and /healthz on its HTTP port.</summary>
public static class AgentApp
{
    /// <param name="args">Command-line configuration (<c>--Agent:SocketPath=...</c>).</param>
    /// <param name="configureServices">Registers what the caller supplies (the image store, a network hook).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder> configureServices)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddContainers(builder.Configuration);
        configureServices(builder);
        var agent = builder.Configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var socketDirectory = Path.GetDirectoryName(agent.SocketPath);
            if (socketDirectory is not null)
            {
                Directory.CreateDirectory(socketDirectory);
            }

            File.Delete(agent.SocketPath);
            kestrel.ListenUnixSocket(agent.SocketPath, listen =>
            {
                var hijack = ActivatorUtilities.CreateInstance<HijackConnectionMiddleware>(listen.ApplicationServices);
                listen.Use(next => connection => hijack.InvokeAsync(connection, () => next(connection)));
            });
            kestrel.ListenAnyIP(agent.HttpPort);
        });

        var app = builder.Build();
        app.MapAgentMetrics();
        app.MapDockerApi();
        return app;
    }
}

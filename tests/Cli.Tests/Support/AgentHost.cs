using Flotilla.NodeAgent;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.TestSupport.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// A real agent in this process, built as the agent's Program builds it (the real image store) but in an
/// <see cref="AgentSandbox"/> of its own. The runtime is <c>$FLOTILLA_TEST_RUNTIME</c> (runc by default).
/// Removes every container it made when disposed.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AgentSandbox _sandbox;

    private AgentHost(WebApplication app, AgentSandbox sandbox)
    {
        _app = app;
        _sandbox = sandbox;
    }

    public string NodeId => _sandbox.NodeId;

    /// <summary>The address flotilla's -H takes.</summary>
    public string Host => $"unix://{_sandbox.SocketPath}";

    public ContainerEngine Engine => _app.Services.GetRequiredService<ContainerEngine>();

    public static async Task<AgentHost> StartAsync()
    {
        var sandbox = AgentSandbox.Create("cli-test", Environment.GetEnvironmentVariable("FLOTILLA_TEST_RUNTIME") ?? "runc");
        var app = AgentApp.Build([.. sandbox.Settings], builder => builder.Services.AddImages(options => options.StateDirectory = sandbox.StateDirectory));
        var agent = new AgentHost(app, sandbox);
        try
        {
            await app.StartAsync();
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var container in Engine.List())
            {
                try
                {
                    await Engine.RemoveAsync(container.Id, force: true, CancellationToken.None);
                }
                catch (Exception error) when (error is IOException or InvalidOperationException or KeyNotFoundException)
                {
                    // Best effort: the sandbox's removal takes what is left.
                }
            }

            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        finally
        {
            await _sandbox.RemoveAsync();
        }
    }
}

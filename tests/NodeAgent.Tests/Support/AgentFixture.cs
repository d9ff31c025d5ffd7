using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Volumes;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// A real agent in this process, in an <see cref="AgentSandbox"/> of its own (state directory, socket, runtime root,
/// cgroup parent), with the real image store holding <see cref="Image"/> (loaded from an OCI layout of
/// <see cref="TestImages.Busybox"/>), driving the OCI runtime the test names. Removes every container it made and
/// all its files.
/// </summary>
public sealed class AgentFixture : IAsyncDisposable
{
    /// <summary>The busybox image every agent starts with.</summary>
    public const string Image = "busybox:1.0";

    private readonly WebApplication _app;
    private readonly AgentSandbox _sandbox;

    private AgentFixture(WebApplication app, AgentSandbox sandbox, string runtime)
    {
        _app = app;
        _sandbox = sandbox;
        Runtime = runtime;
    }

    public string Root => _sandbox.Root;

    public string NodeId => _sandbox.NodeId;

    /// <summary><see cref="TestRuntimes.Runc"/> or <see cref="TestRuntimes.Flotilla"/>.</summary>
    public string Runtime { get; }

    public string RuntimeRoot => _sandbox.RuntimeRoot;

    public string SocketPath => _sandbox.SocketPath;

    public string StateDirectory => _sandbox.StateDirectory;

    public IServiceProvider Services => _app.Services;

    public ContainerEngine Engine => _app.Services.GetRequiredService<ContainerEngine>();

    public IImageStore Images => _app.Services.GetRequiredService<IImageStore>();

    public VolumeStore Volumes => _app.Services.GetRequiredService<VolumeStore>();

    public ExecSessions Exec => _app.Services.GetRequiredService<ExecSessions>();

    public Uri HttpAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.StartsWith("http://unix:", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));

    /// <summary>
    /// The runtime of agents that run on one runtime only (the link tests): <c>FLOTILLA_TEST_RUNTIME</c>
    /// (<see cref="TestRuntimes.Runc"/> or <see cref="TestRuntimes.Flotilla"/>), runc by default.
    /// </summary>
    public static string RuntimePath => TestRuntimes.PathOf(Environment.GetEnvironmentVariable("FLOTILLA_TEST_RUNTIME") ?? TestRuntimes.Runc);

    /// <summary>Starts an agent driving <paramref name="runtime"/>; <paramref name="settings"/> adds configuration (<c>--Agent:LogMaxBytes=4096</c>).</summary>
    public static async Task<AgentFixture> StartAsync(string runtime, params string[] settings)
    {
        var sandbox = AgentSandbox.Create("test", TestRuntimes.PathOf(runtime));
        var app = AgentApp.Build(
            [.. sandbox.Settings, .. settings],
            builder => builder.Services.AddImages(options => options.StateDirectory = sandbox.StateDirectory));
        var agent = new AgentFixture(app, sandbox, runtime);
        try
        {
            await app.StartAsync();
            var layout = Path.Combine(sandbox.Root, "layout");
            await TestImages.Busybox.WriteOciLayoutAsync(layout, Image);
            await agent.Images.LoadAsync(layout, CancellationToken.None);
            Directory.Delete(layout, recursive: true);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the real docker CLI against this agent's socket.</summary>
    public Task<ProcessResult> DockerAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("docker", ["-H", $"unix://{SocketPath}", .. arguments], timeout: TimeSpan.FromSeconds(60));

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

using System.Security.Cryptography;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Volumes;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// A real agent in this process: its own state directory, socket, runtime root and cgroup parent, the real
/// image store holding <see cref="Image"/> (loaded from an OCI layout of <see cref="TestImages.Busybox"/>),
/// driving the OCI runtime the test names. Removes every container it made and all its files.
/// </summary>
public sealed class AgentFixture : IAsyncDisposable
{
    /// <summary>The busybox image every agent starts with.</summary>
    public const string Image = "busybox:1.0";

    private readonly WebApplication _app;

    private AgentFixture(WebApplication app, string root, string nodeId, string runtime)
    {
        _app = app;
        Root = root;
        NodeId = nodeId;
        Runtime = runtime;
    }

    public string Root { get; }

    public string NodeId { get; }

    /// <summary><see cref="TestRuntimes.Runc"/> or <see cref="TestRuntimes.Flotilla"/>.</summary>
    public string Runtime { get; }

    public string RuntimeRoot => RuntimeRootOf(NodeId);

    public string SocketPath => Path.Combine(Root, "agent.sock");

    public string StateDirectory => Path.Combine(Root, "state");

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
        var runtimePath = TestRuntimes.PathOf(runtime);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var root = Path.Combine("/tmp", $"flotilla-agent-test-{suffix}");
        Directory.CreateDirectory(root);
        var nodeId = $"test-{suffix}";
        var state = Path.Combine(root, "state");
        var app = AgentApp.Build(
            [
                $"--Agent:StateDirectory={state}",
                $"--Agent:SocketPath={Path.Combine(root, "agent.sock")}",
                "--Agent:HttpPort=0",
                $"--Agent:NodeId={nodeId}",
                $"--Runtime:Path={runtimePath}",
                $"--Runtime:Root={RuntimeRootOf(nodeId)}",
                "--Logging:LogLevel:Default=Warning",
                .. settings,
            ],
            builder => builder.Services.AddImages(options => options.StateDirectory = state));
        var agent = new AgentFixture(app, root, nodeId, runtime);
        try
        {
            await app.StartAsync();
            var layout = Path.Combine(root, "layout");
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
        foreach (var container in Engine.List())
        {
            try
            {
                await Engine.RemoveAsync(container.Id, force: true, CancellationToken.None);
            }
            catch (Exception error) when (error is IOException or InvalidOperationException or KeyNotFoundException)
            {
                // Best effort: the directory removal below reports what is left.
            }
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        CgroupCleanup.RemoveNode(NodeId);
        Directory.Delete(Root, recursive: true);
        if (Directory.Exists(RuntimeRoot))
        {
            Directory.Delete(RuntimeRoot, recursive: true);
        }
    }

    private static string RuntimeRootOf(string nodeId) => Path.Combine("/run", $"flotilla-{nodeId}");
}

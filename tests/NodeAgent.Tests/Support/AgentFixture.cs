using System.Security.Cryptography;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Volumes;
using Flotilla.TestSupport.Processes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// A real agent in this process: its own state directory, socket, runtime root and cgroup parent, driving
/// the runtime named by <c>FLOTILLA_TEST_RUNTIME</c> (runc by default). Removes every container it made.
/// </summary>
public sealed class AgentFixture : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentFixture(WebApplication app, string root, string nodeId)
    {
        _app = app;
        Root = root;
        NodeId = nodeId;
    }

    public string Root { get; }

    public string NodeId { get; }

    public string RuntimeRoot => Path.Combine("/run", $"flotilla-test-{NodeId[5..]}");

    public string SocketPath => Path.Combine(Root, "agent.sock");

    public string StateDirectory => Path.Combine(Root, "state");

    public ContainerEngine Engine => _app.Services.GetRequiredService<ContainerEngine>();

    public VolumeStore Volumes => _app.Services.GetRequiredService<VolumeStore>();

    public ExecSessions Exec => _app.Services.GetRequiredService<ExecSessions>();

    public Uri HttpAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));

    public static string RuntimePath => Environment.GetEnvironmentVariable("FLOTILLA_TEST_RUNTIME") ?? "runc";

    public static async Task<AgentFixture> StartAsync()
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var root = Path.Combine("/tmp", $"flotilla-agent-test-{suffix}");
        Directory.CreateDirectory(root);
        var images = await RootfsImageStore.CreateAsync(Path.Combine(root, "busybox"));
        var nodeId = $"test-{suffix}";
        var app = AgentApp.Build(
            [
                $"--Agent:StateDirectory={Path.Combine(root, "state")}",
                $"--Agent:SocketPath={Path.Combine(root, "agent.sock")}",
                "--Agent:HttpPort=0",
                $"--Agent:NodeId={nodeId}",
                $"--Runtime:Path={RuntimePath}",
                $"--Runtime:Root={Path.Combine("/run", $"flotilla-test-{suffix}")}",
                "--Logging:LogLevel:Default=Warning",
            ],
            builder => builder.Services.AddSingleton<IImageStore>(images));
        await app.StartAsync();
        return new AgentFixture(app, root, nodeId);
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
        foreach (var hierarchy in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
        {
            var parent = Path.Combine(hierarchy, "flotilla", NodeId);
            if (Directory.Exists(parent))
            {
                foreach (var child in Directory.GetDirectories(parent))
                {
                    Directory.Delete(child);
                }

                Directory.Delete(parent);
            }
        }

        Directory.Delete(Root, recursive: true);
        if (Directory.Exists(RuntimeRoot))
        {
            Directory.Delete(RuntimeRoot, recursive: true);
        }
    }
}

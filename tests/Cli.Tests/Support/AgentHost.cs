using System.Security.Cryptography;
using Flotilla.NodeAgent;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.Cli.Tests.Support;

/// <summary>
/// A real agent in this process, built as the agent's Program builds it (the real image store) but with
/// its own state directory, socket, runtime root and cgroup parent. The runtime is
/// <c>$FLOTILLA_TEST_RUNTIME</c> (runc by default). Removes every container it made when disposed.
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentHost(WebApplication app, string root, string nodeId, string runtimeRoot)
    {
        _app = app;
        Root = root;
        NodeId = nodeId;
        RuntimeRoot = runtimeRoot;
    }

    public string Root { get; }

    public string NodeId { get; }

    public string RuntimeRoot { get; }

    public string SocketPath => Path.Combine(Root, "agent.sock");

    /// <summary>The address flotilla's -H takes.</summary>
    public string Host => $"unix://{SocketPath}";

    public ContainerEngine Engine => _app.Services.GetRequiredService<ContainerEngine>();

    public static async Task<AgentHost> StartAsync()
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var root = Directory.CreateTempSubdirectory($"flotilla-cli-agent-{suffix}-").FullName;
        var nodeId = $"cli-test-{suffix}";
        var runtimeRoot = Path.Combine("/run", $"flotilla-cli-test-{suffix}");
        var state = Path.Combine(root, "state");
        var app = AgentApp.Build(
            [
                $"--Agent:StateDirectory={state}",
                $"--Agent:SocketPath={Path.Combine(root, "agent.sock")}",
                "--Agent:HttpPort=0",
                $"--Agent:NodeId={nodeId}",
                $"--Runtime:Path={Environment.GetEnvironmentVariable("FLOTILLA_TEST_RUNTIME") ?? "runc"}",
                $"--Runtime:Root={runtimeRoot}",
                "--Logging:LogLevel:Default=Warning",
            ],
            builder => builder.Services.AddImages(options => options.StateDirectory = state));
        await app.StartAsync();
        return new AgentHost(app, root, nodeId, runtimeRoot);
    }

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

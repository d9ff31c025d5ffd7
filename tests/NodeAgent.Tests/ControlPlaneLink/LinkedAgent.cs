using System.Globalization;
using System.Security.Cryptography;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.ControlPlaneLink;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.State;
using Flotilla.NodeAgent.Tests.Support;
using Flotilla.TestSupport.Netns;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Tests.ControlPlaneLink;

/// <summary>
/// A real agent in this process, wired as Program.cs wires it (real image store, container network, the
/// control plane link), whose "host" network is the netns host <see cref="Host"/>: its bridge, rules and
/// published ports live there, so <c>Host.Address:hostPort</c> reaches its containers from the test.
/// <see cref="RestartAsync"/> stops it without touching its containers and starts a new one over the same state.
/// </summary>
internal sealed class LinkedAgent : IAsyncDisposable
{
    private readonly LinkedControlPlane _controlPlane;
    private WebApplication? _app;

    private readonly string _joinToken;

    private LinkedAgent(string root, string nodeId, NetnsHost host, LinkedControlPlane controlPlane, string joinToken)
    {
        _joinToken = joinToken;
        Root = root;
        NodeId = nodeId;
        Host = host;
        _controlPlane = controlPlane;
    }

    public string Root { get; }

    public string NodeId { get; }

    public NetnsHost Host { get; }

    /// <summary>Every message the agent logged, down to Debug for its own and gRPC's categories, across restarts.</summary>
    public CapturedLogs Logs { get; } = new();

    public ContainerEngine Engine => Services.GetRequiredService<ContainerEngine>();

    public ControlPlaneLinkService Link => Services.GetRequiredService<ControlPlaneLinkService>();

    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException($"agent {NodeId} is stopped");

    private string RuntimeRoot => Path.Combine("/run", $"flotilla-link-{NodeId}");

    public static async Task<LinkedAgent> StartAsync(NetnsHost host, LinkedControlPlane controlPlane, string joinToken = LinkedControlPlane.JoinToken)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var root = Path.Combine("/tmp", $"flotilla-link-agent-{suffix}");
        Directory.CreateDirectory(root);
        var agent = new LinkedAgent(root, $"link-{suffix}", host, controlPlane, joinToken);
        await agent.StartAppAsync();
        return agent;
    }

    /// <summary>Stops the agent process's part (containers keep running) and starts it again over the same state.</summary>
    public async Task RestartAsync()
    {
        await StopAppAsync();
        await StartAppAsync();
    }

    /// <summary>The containers the link owns, by allocation id.</summary>
    public IReadOnlyDictionary<string, ContainerRecord> Allocations() =>
        Engine.List()
            .Where(c => c.Spec.Labels.ContainsKey(AllocationLabels.Allocation))
            .ToDictionary(c => c.Spec.Labels[AllocationLabels.Allocation], StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_app is not null)
            {
                // The link would put back what is removed below: stop its session and reconciler first.
                foreach (var link in _app.Services.GetServices<IHostedService>().Where(s => s is AllocationReconciler or ControlPlaneLinkService))
                {
                    await link.StopAsync(CancellationToken.None);
                }

                foreach (var container in Engine.List())
                {
                    try
                    {
                        await Engine.RemoveAsync(container.Id, force: true, CancellationToken.None);
                    }
                    catch (Exception error) when (error is IOException or InvalidOperationException or ContainerNotFoundException)
                    {
                        // Best effort: what is left shows up below.
                    }
                }
            }

            await StopAppAsync();
        }
        finally
        {
            foreach (var hierarchy in Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup") : [])
            {
                var parent = Path.Combine(hierarchy, "flotilla", NodeId);
                if (Directory.Exists(parent))
                {
                    foreach (var child in Directory.GetDirectories(parent))
                    {
                        await DeleteCgroupAsync(child);
                    }

                    await DeleteCgroupAsync(parent);
                }
            }

            Directory.Delete(Root, recursive: true);
            if (Directory.Exists(RuntimeRoot))
            {
                Directory.Delete(RuntimeRoot, recursive: true);
            }

            var netns = Path.Combine("/run/flotilla/netns", NodeId);
            if (Directory.Exists(netns) && !Directory.EnumerateFileSystemEntries(netns).Any())
            {
                Directory.Delete(netns);
            }
        }
    }

    /// <summary>A cgroup stays busy for a moment after its last process was reaped.</summary>
    private static async Task DeleteCgroupAsync(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return;
            }
            catch (IOException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task StartAppAsync()
    {
        var state = Path.Combine(Root, "state");
        var app = AgentApp.Build(
            [
                $"--Agent:StateDirectory={state}",
                $"--Agent:SocketPath={Path.Combine(Root, "agent.sock")}",
                "--Agent:HttpPort=0",
                $"--Agent:NodeId={NodeId}",
                $"--Runtime:Path={AgentFixture.RuntimePath}",
                $"--Runtime:Root={RuntimeRoot}",
                $"--Networking:HostNetworkNamespace=/run/netns/{Host.Namespace}",
                $"--ControlPlane:Address=http://127.0.0.1:{_controlPlane.GrpcPort.ToString(CultureInfo.InvariantCulture)}",
                $"--ControlPlane:JoinToken={_joinToken}",
                $"--ControlPlane:AdvertisedAddress={Host.Address}",
                $"--ControlPlane:Labels:testnode={NodeId}",
                "--ControlPlane:ReconcileInterval=00:00:01",
                "--ControlPlane:ReportInterval=00:00:03",
                "--ControlPlane:MaxReconnectDelay=00:00:02",
                "--ControlPlane:StopTimeout=00:00:01",
                "--Logging:LogLevel:Default=Warning",
                "--Logging:LogLevel:Flotilla=Debug",
                "--Logging:LogLevel:Grpc=Debug",
                "--Logging:LogLevel:System.Net.Http=Debug",
                "--Logging:Console:LogLevel:Default=Warning",
            ],
            builder =>
            {
                builder.Logging.AddProvider(Logs);

                // As Program.cs registers them.
                builder.Services.AddImages(options => options.StateDirectory = state);
                builder.Services.AddNetworkHook(builder.Configuration);
                builder.Services.AddControlPlaneLink(builder.Configuration);
            });
        await app.StartAsync();
        _app = app;
    }

    private async Task StopAppAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// The networking part of an agent running on one lab host: <see cref="IContainerNetworking"/> built through
/// <c>AddNetworking</c> exactly as the agent builds it, with its own state and netns directories.
/// Disposal removes every attachment (reconciling against no live container) and the directories.
/// </summary>
internal sealed class LabAgent : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private LabAgent(ServiceProvider services, NetworkingOptions options)
    {
        _services = services;
        Options = options;
        Networking = services.GetRequiredService<IContainerNetworking>();
    }

    public IContainerNetworking Networking { get; }

    public NetworkingOptions Options { get; }

    public static LabAgent Start(NetnsLab lab, int host, string? root = null, int portRangeStart = 20000, int portRangeEnd = 20099,
        Action<NetworkingOptions>? configure = null)
    {
        root ??= Directory.CreateTempSubdirectory("fltnet-agent-").FullName;
        var resolvConf = Path.Combine(root, "resolv.conf");
        if (!File.Exists(resolvConf))
        {
            File.WriteAllText(resolvConf, "nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch lab.test\n");
        }

        var services = new ServiceCollection()
            .AddLogging()
            .AddNetworking(o =>
            {
                o.Subnet = $"10.77.{host}.0/24";
                o.StateDirectory = Path.Combine(root, "state");
                o.NetnsDirectory = Path.Combine(root, "netns");
                o.HostNetworkNamespace = lab.HostNamespacePath(host);
                o.ResolvConfPath = resolvConf;
                o.HostPortRangeStart = portRangeStart;
                o.HostPortRangeEnd = portRangeEnd;
                configure?.Invoke(o);
            })
            .BuildServiceProvider();
        return new LabAgent(services, services.GetRequiredService<IOptions<NetworkingOptions>>().Value);
    }

    /// <summary>The directory holding state, netns and resolv.conf; pass it to <see cref="Start"/> to "restart" the agent.</summary>
    public string Root => Path.GetDirectoryName(Options.StateDirectory)!;

    /// <summary>Drops this instance without cleaning up, as a crash or kill would.</summary>
    public ValueTask AbandonAsync() => _services.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Networking.ReconcileAsync([], CancellationToken.None);
        }
        finally
        {
            await _services.DisposeAsync();
            if (Directory.Exists(Options.NetnsDirectory))
            {
                foreach (var file in Directory.EnumerateFiles(Options.NetnsDirectory))
                {
                    await Shell.RunAsync("umount", file);
                }
            }

            Directory.Delete(Root, recursive: true);
        }
    }
}

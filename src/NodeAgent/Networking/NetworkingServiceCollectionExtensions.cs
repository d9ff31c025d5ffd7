using System.Security.Cryptography;
using System.Text;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Networking;

public static class NetworkingServiceCollectionExtensions
{
    private const string FastPathPinRoot = "/sys/fs/bpf/flotilla";

    /// <summary>Registers <see cref="IContainerNetworking"/> with options bound from <paramref name="configuration"/> (the <c>Networking</c> section).</summary>
    public static IServiceCollection AddNetworking(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddNetworking(options => configuration.Bind(options));
    }

    /// <summary>Registers <see cref="IContainerNetworking"/>; options are validated when the host starts.</summary>
    public static IServiceCollection AddNetworking(this IServiceCollection services, Action<NetworkingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<NetworkingOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.PostConfigure(options => options.FastPathPinDirectory ??= Path.Combine(FastPathPinRoot,
            $"{options.BridgeName}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.StateDirectory)))[..12]}"));
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NetworkingOptions>, NetworkingOptionsValidator>());
        services.TryAddSingleton<IContainerNetworking, ContainerNetworking>();
        return services;
    }

    /// <summary>
    /// Gives the agent's containers their own networks: registers networking (options from the
    /// <c>Networking</c> section), puts <see cref="ContainerNetworkHook"/> where <see cref="HostNetworkHook"/>
    /// was in the hook order, and reconciles the networks with the agent's containers at start. Unless set,
    /// state goes to <c>&lt;Agent:StateDirectory&gt;/network</c> and namespaces to
    /// <c>/run/flotilla/netns/&lt;Agent:NodeId&gt;</c>, so agents sharing a file system never touch each other's.
    /// </summary>
    public static IServiceCollection AddNetworkHook(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(NetworkingOptions.SectionName);
        services.AddNetworking(section);
        services.AddOptions<NetworkingOptions>().Configure<IOptions<AgentOptions>>((options, agent) =>
        {
            if (section[nameof(NetworkingOptions.StateDirectory)] is null)
            {
                options.StateDirectory = Path.Combine(agent.Value.StateDirectory, "network");
            }

            if (section[nameof(NetworkingOptions.FastPathPinDirectory)] is null)
            {
                options.FastPathPinDirectory = Path.Combine(FastPathPinRoot, agent.Value.NodeId);
            }

            if (section[nameof(NetworkingOptions.NetnsDirectory)] is null)
            {
                options.NetnsDirectory = Path.Combine("/run/flotilla/netns", agent.Value.NodeId);
            }
        });

        var hook = ServiceDescriptor.Singleton<IContainerHook, ContainerNetworkHook>();
        var index = services.ToList().FindIndex(d => d.ServiceType == typeof(IContainerHook) && d.ImplementationType == typeof(HostNetworkHook));
        if (index >= 0)
        {
            services[index] = hook;
        }
        else
        {
            services.Add(hook);
        }

        services.AddHostedService<NetworkReconcileService>();
        return services;
    }
}

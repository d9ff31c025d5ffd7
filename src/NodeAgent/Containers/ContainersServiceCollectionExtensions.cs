using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Metrics;
using Flotilla.NodeAgent.Runtime;
using Flotilla.NodeAgent.State;
using Flotilla.NodeAgent.Volumes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Containers;

public static class ContainersServiceCollectionExtensions
{
    /// <summary>
    /// The container engine, its runtime and its lifecycle hooks, in order: root filesystem, network,
    /// volumes, process, cgroups. A network implementation replaces <see cref="HostNetworkHook"/>.
    /// </summary>
    public static IServiceCollection AddContainers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.AddOptions<RuntimeOptions>().Bind(configuration.GetSection(RuntimeOptions.SectionName));
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentMetrics>();
        services.TryAddSingleton(sp => new CgroupReader(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<OciRuntime>();
        services.AddSingleton<ContainerLogs>();
        services.AddSingleton<VolumeStore>();
        services.AddSingleton<IContainerHook, RootfsHook>();
        services.AddSingleton<IContainerHook, HostNetworkHook>();
        services.AddSingleton<IContainerHook, VolumesHook>();
        services.AddSingleton<IContainerHook, ProcessHook>();
        services.AddSingleton<IContainerHook, CgroupsHook>();
        services.AddSingleton(sp =>
        {
            var engine = ActivatorUtilities.CreateInstance<ContainerEngine>(sp);
            var cgroups = sp.GetRequiredService<CgroupReader>();
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            engine.OomKillReader = id => cgroups.ReadOomKills(CgroupsHook.CgroupPath(options, id));
            return engine;
        });
        services.AddSingleton<IImageUsage>(sp => sp.GetRequiredService<ContainerEngine>());
        services.AddSingleton<ExecSessions>();
        services.AddHostedService<ContainerEngineService>();
        return services;
    }
}

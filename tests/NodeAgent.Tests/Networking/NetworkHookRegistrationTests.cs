using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flotilla.NodeAgent.Tests.Networking;

[Trait("Category", "Unit")]
public sealed class NetworkHookRegistrationTests
{
    [Fact]
    public void AddNetworkHook_TakesTheHostNetworkHooksPlaceInTheHookOrder()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddContainers(configuration);
        var before = Hooks(services);

        services.AddNetworkHook(configuration);

        Assert.Equal(before.Select(t => t == typeof(HostNetworkHook) ? typeof(ContainerNetworkHook) : t), Hooks(services));
        Assert.Contains(typeof(HostNetworkHook), before);
    }

    private static List<Type?> Hooks(IServiceCollection services) =>
        services.Where(d => d.ServiceType == typeof(IContainerHook)).Select(d => d.ImplementationType).ToList();
}

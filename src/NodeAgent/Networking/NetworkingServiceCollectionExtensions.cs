using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Networking;

public static class NetworkingServiceCollectionExtensions
{
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

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NetworkingOptions>, NetworkingOptionsValidator>());
        services.TryAddSingleton<IContainerNetworking, ContainerNetworking>();
        return services;
    }
}

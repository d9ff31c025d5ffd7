using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.ControlPlaneLink;

public static class ControlPlaneLinkServiceCollectionExtensions
{
    /// <summary>
    /// Joins the control plane named by <c>ControlPlane:Address</c>: registers this node, runs what it is
    /// given and reports what runs. Without that setting nothing is registered and the agent stays a
    /// single-host engine. Options are checked when the host starts.
    /// </summary>
    public static IServiceCollection AddControlPlaneLink(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ControlPlaneLinkOptions.SectionName);
        if (string.IsNullOrWhiteSpace(section[nameof(ControlPlaneLinkOptions.Address)]))
        {
            return services;
        }

        return services.AddControlPlaneLink(options => section.Bind(options));
    }

    /// <inheritdoc cref="AddControlPlaneLink(IServiceCollection, IConfiguration)"/>
    public static IServiceCollection AddControlPlaneLink(this IServiceCollection services, Action<ControlPlaneLinkOptions> configure)
    {
        services.AddOptions<ControlPlaneLinkOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ControlPlaneLinkOptions>, ControlPlaneLinkOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DesiredAllocations>();
        services.TryAddSingleton<AllocationStatusBoard>();
        services.TryAddSingleton<AllocationHealthChecks>();
        services.AddHostedService<AllocationReconciler>();
        services.AddSingleton<ControlPlaneLinkService>();
        services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneLinkService>());
        return services;
    }
}

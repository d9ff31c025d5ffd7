using Yarp.ReverseProxy.Configuration;

namespace Flotilla.Gateway.Routing;

/// <summary>Tells the provider when YARP actually routes by a snapshot, and logs a snapshot YARP refused.</summary>
internal sealed class RouteTableChangeListener(RouteTableConfigProvider provider, ILogger<RouteTableChangeListener> logger) : IConfigChangeListener
{
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) => provider.OnConfigurationApplied(proxyConfigs);

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception) =>
        RouteFeedLog.Rejected(logger, string.Join(", ", proxyConfigs.Select(c => c.RevisionId)), exception.Message);

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception) =>
        RouteFeedLog.Rejected(logger, "(loading)", exception.Message);
}

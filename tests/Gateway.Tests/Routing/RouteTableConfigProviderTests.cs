using Flotilla.Contracts.Routes;
using Flotilla.Gateway.Routing;

namespace Flotilla.Gateway.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class RouteTableConfigProviderTests
{
    [Fact]
    public void Apply_SwapsTheWholeSnapshot_AndSignalsTheOldOne()
    {
        var provider = new RouteTableConfigProvider(TimeProvider.System);
        var before = provider.GetConfig();
        Assert.Empty(before.Routes);
        Assert.Null(provider.Current);

        var table = new RouteTable { Version = 3, Routes = { new Route { Workload = "web", PathPrefix = "/web" } } };
        provider.Apply(table);

        Assert.True(before.ChangeToken.HasChanged);
        var after = provider.GetConfig();
        Assert.False(after.ChangeToken.HasChanged);
        Assert.Equal("web", Assert.Single(after.Routes).RouteId);
        Assert.Equal("web", Assert.Single(after.Clusters).ClusterId);
        Assert.Equal("3", after.RevisionId);
        // Not current until the proxy says it routes by it.
        Assert.Null(provider.Current);
        AppliedRouteTable? raised = null;
        provider.Applied += (_, applied) => raised = applied;
        provider.OnConfigurationApplied([before]);
        Assert.Null(provider.Current);
        provider.OnConfigurationApplied([after]);
        Assert.Equal(3, provider.Current!.Version);
        Assert.Same(provider.Current, raised);
    }
}

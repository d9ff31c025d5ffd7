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
        var applied = provider.Apply(table);

        Assert.True(before.ChangeToken.HasChanged);
        var after = provider.GetConfig();
        Assert.False(after.ChangeToken.HasChanged);
        Assert.Equal("web", Assert.Single(after.Routes).RouteId);
        Assert.Equal("web", Assert.Single(after.Clusters).ClusterId);
        Assert.Equal("3", after.RevisionId);
        Assert.Same(applied, provider.Current);
        Assert.Equal(3, provider.Current!.Version);
    }
}

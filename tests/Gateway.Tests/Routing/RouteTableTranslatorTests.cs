using Flotilla.Contracts.Routes;
using Flotilla.Gateway.Routing;
using Google.Protobuf.WellKnownTypes;

namespace Flotilla.Gateway.Tests.Routing;

[Trait("Category", "Unit")]
public sealed class RouteTableTranslatorTests
{
    private static Route Hello(params (string Replica, string Address)[] destinations)
    {
        var route = new Route { Workload = "hello", Host = "hello.local", PathPrefix = "/hello" };
        foreach (var (replica, address) in destinations)
        {
            route.Destinations.Add(new Destination { ReplicaId = replica, NodeId = "n1", Address = address });
        }

        return route;
    }

    private static RouteTable Table(params Route[] routes)
    {
        var table = new RouteTable { Version = 7 };
        table.Routes.AddRange(routes);
        return table;
    }

    [Fact]
    public void Translate_MakesOneRouteAndOneClusterPerWorkload_WithReplicasAsDestinations()
    {
        var result = RouteTableTranslator.Translate(Table(
            Hello(("hello-1", "10.0.0.2:31000"), ("hello-2", "10.0.0.3:31001")),
            new Route { Workload = "api", PathPrefix = "/api", Destinations = { new Destination { ReplicaId = "api-1", Address = "10.0.0.4:31002" } } }));

        Assert.Empty(result.Problems);
        Assert.Equal(["api", "hello"], result.Routes.Select(r => r.RouteId));
        var route = Assert.Single(result.Routes, r => r.RouteId == "hello");
        Assert.Equal("hello", route.ClusterId);
        Assert.Equal(["hello.local"], route.Match.Hosts);
        Assert.Equal("/hello/{**rest}", route.Match.Path);

        var cluster = Assert.Single(result.Clusters, c => c.ClusterId == "hello");
        Assert.Equal("http://10.0.0.2:31000/", cluster.Destinations!["hello-1"].Address);
        Assert.Equal("http://10.0.0.3:31001/", cluster.Destinations["hello-2"].Address);
        Assert.Equal("hello-1", cluster.Destinations["hello-1"].Metadata!["replica"]);
    }

    [Fact]
    public void Translate_DefaultsToPowerOfTwoChoices_AnyHost_RootPrefix_AndPassiveChecks()
    {
        var result = RouteTableTranslator.Translate(Table(new Route { Workload = "web" }));

        var route = Assert.Single(result.Routes);
        Assert.Null(route.Match.Hosts);
        Assert.Equal("/{**rest}", route.Match.Path);
        var cluster = Assert.Single(result.Clusters);
        Assert.Equal("PowerOfTwoChoices", cluster.LoadBalancingPolicy);
        Assert.True(cluster.HealthCheck!.Passive!.Enabled);
        Assert.Equal("ConsecutiveTransportFailures", cluster.HealthCheck.Passive.Policy);
        Assert.Null(cluster.HealthCheck.Active);
        Assert.Null(cluster.SessionAffinity);
        Assert.Null(cluster.HttpRequest);
        Assert.Empty(cluster.Destinations!);
    }

    [Theory]
    [InlineData("/hello/", "/hello/{**rest}")]
    [InlineData("/", "/{**rest}")]
    [InlineData("", "/{**rest}")]
    [InlineData("/a/b", "/a/b/{**rest}")]
    public void Translate_MatchesThePrefixAndEverythingUnderIt(string prefix, string expectedPath)
    {
        var result = RouteTableTranslator.Translate(Table(new Route { Workload = "web", PathPrefix = prefix }));

        Assert.Equal(expectedPath, Assert.Single(result.Routes).Match.Path);
    }

    [Fact]
    public void Translate_CarriesLoadBalancingHealthAffinityAndTimeout()
    {
        var route = Hello(("hello-1", "10.0.0.2:31000"));
        route.LoadBalancing = "roundrobin";
        route.Health = new HealthCheck { Path = "/healthz", Interval = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)), Timeout = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)) };
        route.SessionAffinityCookie = "hello-affinity";
        route.RequestTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30));

        var cluster = Assert.Single(RouteTableTranslator.Translate(Table(route)).Clusters);

        Assert.Equal("RoundRobin", cluster.LoadBalancingPolicy);
        var active = cluster.HealthCheck!.Active!;
        Assert.True(active.Enabled);
        Assert.Equal("/healthz", active.Path);
        Assert.Equal(TimeSpan.FromSeconds(3), active.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), active.Timeout);
        Assert.True(cluster.SessionAffinity!.Enabled);
        Assert.Equal("hello-affinity", cluster.SessionAffinity.AffinityKeyName);
        Assert.Equal(TimeSpan.FromSeconds(30), cluster.HttpRequest!.ActivityTimeout);
    }

    [Fact]
    public void Translate_UnknownLoadBalancing_FallsBackToDefault_AndSaysSo()
    {
        var route = Hello(("hello-1", "10.0.0.2:31000"));
        route.LoadBalancing = "Fastest";

        var result = RouteTableTranslator.Translate(Table(route));

        Assert.Equal("PowerOfTwoChoices", Assert.Single(result.Clusters).LoadBalancingPolicy);
        Assert.Contains(result.Problems, p => p.Contains("Fastest", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.2")]
    [InlineData("10.0.0.2:0")]
    [InlineData("10.0.0.2:99999")]
    [InlineData(":8080")]
    [InlineData("bad host:80")]
    public void Translate_SkipsADestinationWithABadAddress_KeepsTheRest(string address)
    {
        var result = RouteTableTranslator.Translate(Table(Hello(("bad", address), ("good", "10.0.0.3:31001"))));

        var cluster = Assert.Single(result.Clusters);
        Assert.Equal(["good"], cluster.Destinations!.Keys);
        Assert.Contains(result.Problems, p => p.Contains("'bad'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[::1]:8080", "http://[::1]:8080/")]
    [InlineData("replica.internal:8080", "http://replica.internal:8080/")]
    public void Translate_AcceptsIPv6AndDnsAddresses(string address, string expected)
    {
        var cluster = Assert.Single(RouteTableTranslator.Translate(Table(Hello(("r", address)))).Clusters);

        Assert.Equal(expected, cluster.Destinations!["r"].Address);
    }

    [Fact]
    public void Translate_TwoWorkloadsOnTheSameHostAndPrefix_KeepsOneDeterministically()
    {
        var first = new Route { Workload = "b", Host = "x.local", PathPrefix = "/app/" };
        var second = new Route { Workload = "a", Host = "X.local", PathPrefix = "/app" };

        var result = RouteTableTranslator.Translate(Table(first, second));

        Assert.Equal("a", Assert.Single(result.Routes).RouteId);
        Assert.Contains(result.Problems, p => p.Contains("already routed to workload 'a'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hello", "/{x}", "")]
    [InlineData("hello", "no-slash", "")]
    [InlineData("hello", "/ok", "bad host!")]
    [InlineData("", "/ok", "")]
    public void Translate_SkipsAnInvalidRoute_KeepsTheOthers(string workload, string prefix, string host)
    {
        var result = RouteTableTranslator.Translate(Table(
            new Route { Workload = workload, PathPrefix = prefix, Host = host },
            new Route { Workload = "fine", PathPrefix = "/fine" }));

        Assert.Equal("fine", Assert.Single(result.Routes).RouteId);
        Assert.Single(result.Problems);
    }

    [Fact]
    public void Translate_RepeatedReplicaId_KeepsTheFirst()
    {
        var cluster = Assert.Single(RouteTableTranslator.Translate(Table(Hello(("r", "10.0.0.2:1"), ("r", "10.0.0.3:2")))).Clusters);

        Assert.Equal("http://10.0.0.2:1/", Assert.Single(cluster.Destinations!).Value.Address);
    }

    [Fact]
    public void Translate_InvalidAffinityCookieOrHealthPath_TurnsThatFeatureOff()
    {
        var route = Hello(("r", "10.0.0.2:1"));
        route.SessionAffinityCookie = "bad cookie;";
        route.Health = new HealthCheck { Path = "healthz" };

        var result = RouteTableTranslator.Translate(Table(route));

        var cluster = Assert.Single(result.Clusters);
        Assert.Null(cluster.SessionAffinity);
        Assert.Null(cluster.HealthCheck!.Active);
        Assert.Equal(2, result.Problems.Count);
    }
}

using System.Net;
using Flotilla.Gateway.Tests.Fixtures;

namespace Flotilla.Gateway.Tests.Proxy;

/// <summary>The gateway against a real route feed server and real upstream HTTP servers on loopback.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayRoutingTests
{
    [Fact]
    public async Task Traffic_IsSpreadOverAllReplicas_AndCarriesForwardedHeaders()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("hello-a");
        await using var b = await Upstream.StartAsync("hello-b");
        await using var c = await Upstream.StartAsync("hello-c");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("hello", "hello.local", "/hello", a, b, c)).Version);

        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 90; i++)
        {
            using var response = await gateway.GetAsync("/hello/x?y=1", "hello.local");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var name = await response.Content.ReadAsStringAsync();
            seen[name] = seen.GetValueOrDefault(name) + 1;
            Assert.Equal("127.0.0.1", response.Headers.GetValues("X-Seen-Forwarded-For").Single());
            Assert.Equal("hello.local", response.Headers.GetValues("X-Seen-Forwarded-Host").Single());
            Assert.Equal("http", response.Headers.GetValues("X-Seen-Forwarded-Proto").Single());
            Assert.Equal("/hello/x", response.Headers.GetValues("X-Seen-Path").Single());
        }

        Assert.Equal(["hello-a", "hello-b", "hello-c"], seen.Keys.Order());
        Assert.Equal(["Bearer " + GatewayHost.Token], feed.AuthorizationHeaders.Distinct());
    }

    [Fact]
    public async Task UnknownHostOrPath_Gets404WithAShortBody()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("hello-a");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("hello", "hello.local", "/hello", a)).Version);

        using var wrongPath = await gateway.GetAsync("/hellothere", "hello.local");
        using var wrongHost = await gateway.GetAsync("/hello", "other.local");
        using var right = await gateway.GetAsync("/hello", "hello.local");

        Assert.Equal(HttpStatusCode.NotFound, wrongPath.StatusCode);
        Assert.Equal("404 Not Found: no route for host 'hello.local' path '/hellothere'.\n", await wrongPath.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, wrongHost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal(0, a.Requests - 1);
    }

    [Fact]
    public async Task LongerPrefix_WinsOverShorter()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var web = await Upstream.StartAsync("web-1");
        await using var api = await Upstream.StartAsync("api-1");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", web), Routes.For("api", "/api/v1", api)).Version);

        using var toApi = await gateway.GetAsync("/api/v1/items");
        using var toWeb = await gateway.GetAsync("/api/v2/items");

        Assert.Equal("api-1", await toApi.Content.ReadAsStringAsync());
        Assert.Equal("web-1", await toWeb.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ScalingUp_AddsTheNewReplica_AndScalingDown_StopsRoutingToTheOldOne()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var first = await Upstream.StartAsync("web-1");
        await using var second = await Upstream.StartAsync("web-2");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", first)).Version);
        for (var i = 0; i < 10; i++)
        {
            using var response = await gateway.GetAsync("/");
            Assert.Equal("web-1", await response.Content.ReadAsStringAsync());
        }

        feed.Publish(Routes.For("web", "/", first, second));
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.GetAsync("/");
            return await response.Content.ReadAsStringAsync() == "web-2";
        }, "the new replica to receive traffic");

        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", second)).Version);
        var before = first.Requests;
        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.GetAsync("/");
            Assert.Equal("web-2", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(before, first.Requests);
    }

    [Fact]
    public async Task KilledReplica_CostsABoundedNumberOfErrors_ThenLeavesRotation()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var alive = await Upstream.StartAsync("web-alive");
        await using var doomed = await Upstream.StartAsync("web-doomed");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(Routes.For("web", "/", alive, doomed)).Version);

        await doomed.StopAsync();
        var failures = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            using var response = await gateway.GetAsync("/");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
                failures.Add(await response.Content.ReadAsStringAsync());
            }
            else
            {
                Assert.Equal("web-alive", await response.Content.ReadAsStringAsync());
            }
        }

        // Passive health check: the first transport failure takes the replica out (PassiveFailureThreshold = 1).
        var failure = Assert.Single(failures);
        Assert.StartsWith("502 Bad Gateway: replica 'web-doomed' of workload 'web' failed", failure, StringComparison.Ordinal);
        var destination = (await gateway.RoutesAsync()).GetProperty("routes")[0].GetProperty("destinations").EnumerateArray()
            .Single(d => d.GetProperty("replicaId").GetString() == "web-doomed");
        Assert.Equal("Unhealthy", destination.GetProperty("passiveHealth").GetString());
        Assert.False(destination.GetProperty("available").GetBoolean());
    }

    [Fact]
    public async Task WorkloadWithNoHealthyReplica_Gets503()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var sick = await Upstream.StartAsync("web-sick");
        sick.HealthStatus = 500;
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        await gateway.WaitForVersionAsync(feed.Publish(
            Routes.For("empty", "/empty"),
            Routes.For("web", "/web", sick).WithHealth("/health", TimeSpan.FromMilliseconds(100))).Version);

        using var empty = await gateway.GetAsync("/empty");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, empty.StatusCode);
        Assert.Equal("503 Service Unavailable: workload 'empty' has no healthy replica.\n", await empty.Content.ReadAsStringAsync());

        // The active check (ConsecutiveFailures, 2 in a row) marks the only replica unhealthy.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.GetAsync("/web");
            return response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, "the failing health check to take the replica out");

        sick.HealthStatus = 200;
        await Eventually.TrueAsync(async () =>
        {
            using var response = await gateway.GetAsync("/web");
            return response.StatusCode == HttpStatusCode.OK;
        }, "the passing health check to bring the replica back");
    }

    [Fact]
    public async Task SessionAffinity_KeepsAClientOnOneReplica()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var b = await Upstream.StartAsync("web-b");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        var route = Routes.For("web", "/", a, b);
        route.SessionAffinityCookie = "web-affinity";
        route.LoadBalancing = "RoundRobin";
        await gateway.WaitForVersionAsync(feed.Publish(route).Version);

        using var firstResponse = await gateway.GetAsync("/");
        var pinned = await firstResponse.Content.ReadAsStringAsync();
        var cookie = firstResponse.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("web-affinity=", StringComparison.Ordinal)).Split(';')[0];
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Add("Cookie", cookie);
            using var response = await gateway.Proxy.SendAsync(request);
            Assert.Equal(pinned, await response.Content.ReadAsStringAsync());
        }

        // Without the cookie, round robin alternates.
        var names = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.GetAsync("/");
            names.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, names.Count);
    }

    [Fact]
    public async Task SlowReplica_BeyondTheRequestTimeout_Gets504()
    {
        await using var feed = await RouteFeedServer.StartAsync();
        await using var a = await Upstream.StartAsync("web-a");
        await using var gateway = await GatewayHost.StartAsync(feed.Address);
        var route = Routes.For("web", "/", a);
        route.RequestTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(300));
        await gateway.WaitForVersionAsync(feed.Publish(route).Version);

        using var slow = await gateway.GetAsync("/slow");
        using var fast = await gateway.GetAsync("/fast");

        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.StartsWith("504 Gateway Timeout", await slow.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
    }
}

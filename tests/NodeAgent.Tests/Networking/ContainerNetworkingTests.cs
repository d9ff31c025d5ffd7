using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// The networking hook driven as the agent drives it, on hosts made of network namespaces: host 0 runs
/// the containers, host 1 is another machine on the same link.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ContainerNetworkingTests : IAsyncLifetime
{
    private NetnsLab _lab = null!;
    private LabAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetnsLab.CreateAsync(2);
        _agent = LabAgent.Start(_lab, 0);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
        }
        finally
        {
            await _lab.DisposeAsync();
        }
    }

    [Fact]
    public async Task PublishedPort_IsReachableFromAnotherHost_FromTheHostItself_AndNotAfterDetach()
    {
        var web = await AttachAsync("web", PortMapping.Parse("18080:80"));
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "hello from web");

        Assert.Equal([new PublishedPort("0.0.0.0", 18080, 80, PortProtocol.Tcp)], web.Ports);
        Assert.Equal("hello from web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18080/"));
        Assert.Equal("hello from web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(0), $"http://{_lab.HostAddress(0)}:18080/"));
        Assert.Equal("hello from web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(0), "http://127.0.0.1:18080/"));

        await _agent.Networking.DetachAsync(web.ContainerId, CancellationToken.None);

        Assert.Null(await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18080/"));
        Assert.False(File.Exists(web.NetworkNamespacePath));
        Assert.Null(_agent.Networking.Find(web.ContainerId));
        var rules = await _lab.RunOnHostAsync(0, "nft", "list", "ruleset");
        Assert.DoesNotContain(web.ContainerId, rules.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("flt", (await _lab.RunOnHostAsync(0, "ip", "-o", "link", "show", "master", "flotilla0")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortWithoutHostPort_GetsOneFromTheRange_ThatIsReportedAndWorks()
    {
        var first = await AttachAsync("auto1", PortMapping.Parse("80"));
        var second = await AttachAsync("auto2", PortMapping.Parse("80"));
        await _lab.ServeHttpAsync(second.NetworkNamespacePath!, 80, "second");

        var chosen = Assert.Single(second.Ports).HostPort;
        Assert.InRange(Assert.Single(first.Ports).HostPort, 20000, 20099);
        Assert.InRange(chosen, 20000, 20099);
        Assert.NotEqual(first.Ports[0].HostPort, chosen);
        Assert.Equal(second.Ports, _agent.Networking.Find(second.ContainerId)!.Ports);
        Assert.Equal("second", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:{chosen}/"));
    }

    [Fact]
    public async Task Container_HasItsAddress_DefaultRoute_Lo_AndReachesItsNeighbourByAddress()
    {
        var a = await AttachAsync("a");
        var b = await AttachAsync("b");

        Assert.NotEqual(a.IpAddress, b.IpAddress);
        Assert.Equal("10.77.0.1", a.Gateway);
        Assert.Equal(24, a.PrefixLength);
        var addresses = await NetnsLab.RunInAsync(a.NetworkNamespacePath!, "ip", "-o", "-4", "addr", "show");
        Assert.Contains($"inet {a.IpAddress}/24", addresses.Output, StringComparison.Ordinal);
        Assert.Contains("inet 127.0.0.1/8", addresses.Output, StringComparison.Ordinal);
        Assert.Contains("default via 10.77.0.1 dev eth0", (await NetnsLab.RunInAsync(a.NetworkNamespacePath!, "ip", "route")).Output, StringComparison.Ordinal);

        await _lab.ServeHttpAsync(b.NetworkNamespacePath!, 8000, "neighbour");
        Assert.Equal("neighbour", await NetnsLab.FetchAsync(a.NetworkNamespacePath!, $"http://{b.IpAddress}:8000/"));
        Assert.Contains($"{a.IpAddress}\ta-host a\n", a.HostsFile, StringComparison.Ordinal);
        Assert.Equal("a-host\n", a.HostnameFile);
    }

    [Fact]
    public async Task Outbound_ReachesAnotherHost_ThatHasNoRouteBackToTheContainers()
    {
        var client = await AttachAsync("client");
        await _lab.ServeHttpAsync(_lab.HostNamespacePath(1), 8081, "host one");

        // Host 1 knows nothing of 10.77.0.0/24: an answer proves the request left masqueraded as host 0.
        Assert.Equal("host one", await NetnsLab.FetchAsync(client.NetworkNamespacePath!, $"http://{_lab.HostAddress(1)}:8081/"));
    }

    [Fact]
    public async Task HostWhoseIptablesForwardPolicyIsDrop_StillForwardsContainerTraffic()
    {
        // What Docker does to a host's FORWARD chain; set before the agent first touches the host.
        await _lab.RunOnHostAsync(0, "iptables", "-w", "-P", "FORWARD", "DROP");
        var web = await AttachAsync("behind-docker", PortMapping.Parse("18086:80"));
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "forwarded");
        await _lab.ServeHttpAsync(_lab.HostNamespacePath(1), 8082, "outbound");

        Assert.Equal("forwarded", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18086/"));
        Assert.Equal("outbound", await NetnsLab.FetchAsync(web.NetworkNamespacePath!, $"http://{_lab.HostAddress(1)}:8082/"));
    }

    [Fact]
    public async Task Container_ReachesAnotherContainersPublishedPort_ThroughTheHostAddress()
    {
        var server = await AttachAsync("hairpin-server", PortMapping.Parse("18081:80"));
        var client = await AttachAsync("hairpin-client");
        await _lab.ServeHttpAsync(server.NetworkNamespacePath!, 80, "via host");

        Assert.Equal("via host", await NetnsLab.FetchAsync(client.NetworkNamespacePath!, $"http://{_lab.HostAddress(0)}:18081/"));
        Assert.Equal("via host", await NetnsLab.FetchAsync(server.NetworkNamespacePath!, $"http://{_lab.HostAddress(0)}:18081/"));
    }

    [Fact]
    public async Task HostPortOfAnotherContainer_IsRefused_AndNothingIsCreatedOrConsumed()
    {
        var first = await AttachAsync("owner", PortMapping.Parse("18082:80"));

        var refused = await Assert.ThrowsAsync<PortInUseException>(() => AttachAsync("intruder", PortMapping.Parse("18082:8080")));

        Assert.Contains("18082", refused.Message, StringComparison.Ordinal);
        Assert.Contains("published by container owner", refused.Message, StringComparison.Ordinal);
        Assert.Null(_agent.Networking.Find(Id("intruder")));
        Assert.Equal([first.NetworkNamespacePath!], Directory.GetFiles(_agent.Options.NetnsDirectory));
        var bridgePorts = await _lab.RunOnHostAsync(0, "ip", "-o", "link", "show", "master", "flotilla0");
        Assert.Single(bridgePorts.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var next = await AttachAsync("next");
        Assert.Equal("10.77.0.3", next.IpAddress);
        Assert.Equal("10.77.0.2", first.IpAddress);
    }

    [Fact]
    public async Task HostPortBoundByAProcess_IsRefused()
    {
        await _lab.ServeHttpAsync(_lab.HostNamespacePath(0), 18083, "host process");

        var refused = await Assert.ThrowsAsync<PortInUseException>(() => AttachAsync("late", PortMapping.Parse("18083:80")));

        Assert.Contains("bound by another process", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(_agent.Options.NetnsDirectory) ? Directory.GetFiles(_agent.Options.NetnsDirectory) : []);
        Assert.Equal("host process", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18083/"));
    }

    [Fact]
    public async Task DetachedContainersAddressAndPort_AreFreeAgain()
    {
        var first = await AttachAsync("gone", PortMapping.Parse("18084:80"));
        await _agent.Networking.DetachAsync(first.ContainerId, CancellationToken.None);

        var second = await AttachAsync("successor", PortMapping.Parse("18084:80"));
        await _lab.ServeHttpAsync(second.NetworkNamespacePath!, 80, "successor");

        Assert.Equal("successor", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18084/"));
    }

    [Fact]
    public async Task NoneMode_HasOnlyLoopback_HostMode_HasNoNamespace()
    {
        var isolated = await AttachAsync("isolated", NetworkMode.None);
        var shared = await AttachAsync("shared", NetworkMode.Host);

        var links = await NetnsLab.RunInAsync(isolated.NetworkNamespacePath!, "ip", "-o", "link", "show");
        var link = Assert.Single(links.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("lo:", link, StringComparison.Ordinal);
        Assert.Contains("UP", link, StringComparison.Ordinal);
        Assert.Null(isolated.IpAddress);
        Assert.Null(shared.NetworkNamespacePath);
        Assert.Equal("host", shared.NetworkName);
        await Assert.ThrowsAsync<InvalidPortMappingException>(() => AttachAsync("host-ports", NetworkMode.Host, PortMapping.Parse("80")));
    }

    [Fact]
    public async Task InterfaceStatistics_CountTheContainersTraffic()
    {
        var web = await AttachAsync("counted", PortMapping.Parse("18085:80"));
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, new string('x', 20_000));
        Assert.NotNull(await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18085/"));

        var statistics = await _agent.Networking.GetInterfaceStatisticsAsync(web.ContainerId, CancellationToken.None);

        var eth0 = Assert.Single(statistics, s => s.Interface == "eth0");
        Assert.True(eth0.TransmitBytes > 20_000, $"eth0 sent {eth0.TransmitBytes} bytes");
        Assert.True(eth0.ReceiveBytes > 0);
        Assert.Contains(statistics, s => s.Interface == "lo");
    }

    [Fact]
    public async Task PublishedUdpPort_CarriesDatagramsBothWays()
    {
        var dns = await AttachAsync("udp", PortMapping.Parse("15353:53/udp"));
        using var server = NamespaceSockets.CreateUdp(dns.NetworkNamespacePath!, 53);
        using var client = NamespaceSockets.CreateUdp(_lab.HostNamespacePath(1), 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await client.SendAsync("ping"u8.ToArray(), _lab.HostAddress(0), 15353, timeout.Token);
        var request = await server.ReceiveAsync(timeout.Token);
        await server.SendAsync("pong"u8.ToArray(), request.RemoteEndPoint, timeout.Token);
        var reply = await client.ReceiveAsync(timeout.Token);

        Assert.Equal("ping"u8.ToArray(), request.Buffer);
        Assert.Equal(_lab.HostAddress(1), request.RemoteEndPoint.Address.ToString());
        Assert.Equal("pong"u8.ToArray(), reply.Buffer);
        Assert.Equal($"{_lab.HostAddress(0)}:15353", reply.RemoteEndPoint.ToString());
    }

    [Fact]
    public async Task UdpClientThatKeepsSending_ReachesTheContainerThatPublishesThePortNext()
    {
        var old = await AttachAsync("udp-old", PortMapping.Parse("15354:53/udp"));
        using var client = NamespaceSockets.CreateUdp(_lab.HostNamespacePath(1), 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using (var oldServer = NamespaceSockets.CreateUdp(old.NetworkNamespacePath!, 53))
        {
            await client.SendAsync("one"u8.ToArray(), _lab.HostAddress(0), 15354, timeout.Token);
            Assert.Equal("one"u8.ToArray(), (await oldServer.ReceiveAsync(timeout.Token)).Buffer);
        }

        await _agent.Networking.DetachAsync(old.ContainerId, CancellationToken.None);
        var successor = await AttachAsync("udp-new", PortMapping.Parse("15354:53/udp"));
        using var server = NamespaceSockets.CreateUdp(successor.NetworkNamespacePath!, 53);
        await client.SendAsync("two"u8.ToArray(), _lab.HostAddress(0), 15354, timeout.Token);

        Assert.NotEqual(old.IpAddress, successor.IpAddress);
        Assert.Equal("two"u8.ToArray(), (await server.ReceiveAsync(timeout.Token)).Buffer);
    }

    [Fact]
    public async Task Attach_WritesResolvConfWithoutLoopbackResolvers()
    {
        var web = await AttachAsync("dns");

        Assert.Equal("nameserver 192.0.2.53\nsearch lab.test\n", web.ResolvConf);
    }

    private Task<NetworkAttachment> AttachAsync(string name, params PortMapping[] ports) => AttachAsync(name, NetworkMode.Bridge, ports);

    private Task<NetworkAttachment> AttachAsync(string name, NetworkMode mode, params PortMapping[] ports) =>
        _agent.Networking.AttachAsync(new NetworkRequest(Id(name), name, $"{name}-host", mode, ports), CancellationToken.None);

    private static string Id(string name) => name;
}

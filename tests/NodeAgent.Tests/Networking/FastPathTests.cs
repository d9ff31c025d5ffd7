using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Networking.FastPath;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// The eBPF fast path of published ports (Networking:FastPath), on hosts made of network namespaces: host 0 runs
/// the containers, host 1 is the client on the same link. Which path a packet took is read from the kernel: the
/// fast path's per-port packet counter, and the host's connection tracking (which the fast path bypasses).
/// </summary>
[Trait("Category", "Integration")]
public sealed class FastPathTests : IAsyncLifetime
{
    private NetnsLab _lab = null!;

    public async Task InitializeAsync() => _lab = await NetnsLab.CreateAsync(2);

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task RemoteClient_GoesThroughTheFastPath_NotConntrack_AndRemovingTheContainerRemovesThePath()
    {
        await using var agent = LabAgent.Start(_lab, 0);
        var web = await AttachAsync(agent, "web", "18100:80");
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, new string('w', 20_000));
        var pins = agent.Options.FastPathPinDirectory!;
        var before = await Eth0Async(agent, web);

        var fromClient = await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18100));
        var carried = PublishedPortFastPath.PacketCount(pins, PortProtocol.Tcp, 18100);
        var after = await Eth0Async(agent, web);
        var tracked = await TrackedAsync(18100);
        // The host itself and a container calling the host's address still go through the nftables rules.
        var fromHost = await NetnsLab.FetchAsync(_lab.HostNamespacePath(0), "http://127.0.0.1:18100/");
        var neighbour = await AttachAsync(agent, "neighbour");
        var hairpin = await NetnsLab.FetchAsync(neighbour.NetworkNamespacePath!, Url(18100));

        await agent.Networking.DetachAsync(web.ContainerId, CancellationToken.None);
        var afterRemoval = await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18100));

        Assert.Equal(20_000, fromClient?.Length);
        Assert.True(carried > 0, $"the fast path counted {carried} packets");
        Assert.DoesNotContain("dport=18100", tracked, StringComparison.Ordinal);
        Assert.Equal(20_000, fromHost?.Length);
        Assert.Equal(20_000, hairpin?.Length);
        // Packets handed to eth0 by bpf_redirect_peer are counted by the container's interface (its network metrics).
        Assert.True(after.ReceivePackets - before.ReceivePackets >= (long)carried!.Value,
            $"eth0 counted {after.ReceivePackets - before.ReceivePackets} packets received of the {carried} the fast path carried");
        Assert.True(after.TransmitBytes - before.TransmitBytes > 20_000, $"eth0 sent {after.TransmitBytes - before.TransmitBytes} bytes");
        Assert.Null(afterRemoval);
        Assert.Null(PublishedPortFastPath.PacketCount(pins, PortProtocol.Tcp, 18100));
        Assert.False(Directory.Exists(pins), "the pins stay with nothing published");
    }

    [Fact]
    public async Task UdpReplies_ComeBackFromTheHostAddressAndPort()
    {
        await using var agent = LabAgent.Start(_lab, 0);
        var dns = await AttachAsync(agent, "udp", "15400:53/udp");
        using var server = NamespaceSockets.CreateUdp(dns.NetworkNamespacePath!, 53);
        using var client = NamespaceSockets.CreateUdp(_lab.HostNamespacePath(1), 0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await client.SendAsync("ping"u8.ToArray(), _lab.HostAddress(0), 15400, timeout.Token);
        var request = await server.ReceiveAsync(timeout.Token);
        await server.SendAsync("pong"u8.ToArray(), request.RemoteEndPoint, timeout.Token);
        var reply = await client.ReceiveAsync(timeout.Token);

        Assert.Equal(_lab.HostAddress(1), request.RemoteEndPoint.Address.ToString());
        Assert.Equal($"{_lab.HostAddress(0)}:15400", reply.RemoteEndPoint.ToString());
        Assert.Equal(1UL, PublishedPortFastPath.PacketCount(agent.Options.FastPathPinDirectory!, PortProtocol.Udp, 15400));
        Assert.DoesNotContain("dport=15400", await TrackedAsync(15400, "udp"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PinnedPath_CarriesTrafficWithoutAgentOrRules_AndTheNextAgentReconcilesIt()
    {
        var first = LabAgent.Start(_lab, 0);
        var kept = await AttachAsync(first, "kept", "18101:80");
        var dead = await AttachAsync(first, "dead", "18102:80");
        await _lab.ServeHttpAsync(kept.NetworkNamespacePath!, 80, "kept");
        await _lab.ServeHttpAsync(dead.NetworkNamespacePath!, 80, "dead");
        await first.AbandonAsync();
        // No agent and no nftables rules: only the pinned programs can carry it.
        await _lab.RunOnHostAsync(0, "nft", "flush", "ruleset");
        var withoutAgent = await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18101));

        await using var second = LabAgent.Start(_lab, 0, first.Root);
        await second.Networking.ReconcileAsync([kept.ContainerId], CancellationToken.None);
        var pins = second.Options.FastPathPinDirectory!;
        var keptAfter = await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18101));

        Assert.Equal(first.Options.FastPathPinDirectory, pins);
        Assert.Equal("kept", withoutAgent);
        Assert.Equal("kept", keptAfter);
        Assert.True(PublishedPortFastPath.PacketCount(pins, PortProtocol.Tcp, 18101) > 0);
        Assert.Null(PublishedPortFastPath.PacketCount(pins, PortProtocol.Tcp, 18102));
        Assert.Null(await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18102)));
        var links = Directory.GetFiles(Path.Combine(pins, "links")).Select(Path.GetFileName).Order().ToList();
        Assert.Collection(links,
            link => Assert.StartsWith("ingress-uplink-", link, StringComparison.Ordinal),
            link => Assert.StartsWith($"reply-{NamespaceOperations.HostInterfaceName(kept.ContainerId)}-", link, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FastPathOff_PublishedPortsGoThroughNftables()
    {
        await using var agent = LabAgent.Start(_lab, 0, configure: o => o.FastPath = false);
        var web = await AttachAsync(agent, "web", "18103:80");
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "web");

        Assert.Equal("web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18103)));
        Assert.Contains("dport=18103", await TrackedAsync(18103), StringComparison.Ordinal);
        Assert.False(Directory.Exists(agent.Options.FastPathPinDirectory));
    }

    [Fact]
    public async Task ClientReachingTheContainerDirectly_FromTheSourcePortOfAFastPathFlow_GetsItsOwnReplies()
    {
        await using var agent = LabAgent.Start(_lab, 0);
        var web = await AttachAsync(agent, "web", "18106:80");
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "web");
        await _lab.RunOnHostAsync(1, "ip", "route", "add", "10.77.0.0/24", "via", _lab.HostAddress(0));

        // The same client address and port, first through the published port, then straight to the container.
        var published = await _lab.RunOnHostAsync(1, "curl", "--silent", "--fail", "--max-time", "3", "--local-port", "40100", Url(18106));
        var direct = await _lab.RunOnHostAsync(1, "curl", "--silent", "--fail", "--max-time", "3", "--local-port", "40100", $"http://{web.IpAddress}:80/");

        Assert.Equal("web", published.Output);
        Assert.True(PublishedPortFastPath.PacketCount(agent.Options.FastPathPinDirectory!, PortProtocol.Tcp, 18106) > 0);
        Assert.Equal("web", direct.Output);
    }

    [Fact]
    public async Task KernelRefusingTheFastPath_LeavesPublishedPortsOnNftables()
    {
        // Pins outside bpffs are refused by the kernel (EPERM), as a missing CAP_BPF would refuse the maps.
        var notBpffs = Directory.CreateTempSubdirectory("fltnet-notbpffs-").FullName;
        try
        {
            await using var agent = LabAgent.Start(_lab, 0, configure: o => o.FastPathPinDirectory = Path.Combine(notBpffs, "pins"));
            var web = await AttachAsync(agent, "web", "18104:80");
            await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "web");
            var second = await AttachAsync(agent, "second", "18105:80");

            Assert.Equal("web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), Url(18104)));
            Assert.Contains("dport=18104", await TrackedAsync(18104), StringComparison.Ordinal);
            Assert.NotNull(second.IpAddress);
            Assert.Empty(Directory.EnumerateFileSystemEntries(notBpffs));
        }
        finally
        {
            Directory.Delete(notBpffs, recursive: true);
        }
    }

    [Fact]
    public void ProgramTheVerifierRefuses_FailsWithTheVerifierLog()
    {
        // Reads R0 before anything set it.
        var program = new BpfProgramBuilder().Exit().Build();

        var refused = Assert.Throws<BpfException>(() => BpfSyscall.LoadProgram(program, "flt_test_bad"));

        Assert.Contains("verifier log", refused.Message, StringComparison.Ordinal);
        Assert.Contains("R0 !read_ok", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<InterfaceStatistics> Eth0Async(LabAgent agent, NetworkAttachment container) =>
        Assert.Single(await agent.Networking.GetInterfaceStatisticsAsync(container.ContainerId, CancellationToken.None), s => s.Interface == "eth0");

    private string Url(int port) => $"http://{_lab.HostAddress(0)}:{port}/";

    /// <summary>The host's connection-tracking entries for a destination port (conntrack prints them to stdout).</summary>
    private async Task<string> TrackedAsync(int port, string protocol = "tcp") =>
        (await _lab.RunOnHostAsync(0, "conntrack", "-L", "-p", protocol, "--dport", port.ToString(System.Globalization.CultureInfo.InvariantCulture))).Output;

    private static Task<NetworkAttachment> AttachAsync(LabAgent agent, string name, params string[] ports) =>
        agent.Networking.AttachAsync(new NetworkRequest(name, name, name, NetworkMode.Bridge, ports.Select(PortMapping.Parse).ToList()), CancellationToken.None);
}

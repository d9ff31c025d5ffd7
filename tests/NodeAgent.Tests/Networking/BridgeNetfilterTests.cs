using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>
/// br_netfilter's pass of bridged frames through iptables, which the agent turns off in its host's namespace while
/// its bridge carries containers. An iptables rule that drops every bridged frame (as a firewall filtering
/// between the containers of one bridge would) shows whether bridged frames still reach iptables.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BridgeNetfilterTests : IAsyncLifetime
{
    private const string CallIptables = "net.bridge.bridge-nf-call-iptables";
    private NetnsLab _lab = null!;

    public async Task InitializeAsync()
    {
        _lab = await NetnsLab.CreateAsync(2);
        // What Docker sets; the host's value before any agent runs (the sysctl exists only with br_netfilter).
        await SetAsync(CallIptables, "1");
        await _lab.RunOnHostAsync(0, "iptables", "-w", "-I", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "-j", "DROP");
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task WhileContainersRun_BridgedFramesSkipIptables_AndTheHostsValueIsBackAfterTheLastGoes()
    {
        await using var agent = LabAgent.Start(_lab, 0);
        var client = await AttachAsync(agent, "client");
        var server = await AttachAsync(agent, "server", PortMapping.Parse("18080:80"));
        await _lab.ServeHttpAsync(server.NetworkNamespacePath!, 80, "server");

        Assert.Equal("0", await ReadAsync(CallIptables));
        Assert.Equal("server", await NetnsLab.FetchAsync(client.NetworkNamespacePath!, $"http://{server.IpAddress}/"));
        Assert.Equal("server", await NetnsLab.FetchAsync(server.NetworkNamespacePath!, $"http://{_lab.HostAddress(0)}:18080/"));
        Assert.Equal("server", await NetnsLab.FetchAsync(client.NetworkNamespacePath!, $"http://{_lab.HostAddress(0)}:18080/"));
        Assert.Equal("server", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18080/"));

        await agent.Networking.DetachAsync(client.ContainerId, CancellationToken.None);
        Assert.Equal("0", await ReadAsync(CallIptables));
        await agent.Networking.DetachAsync(server.ContainerId, CancellationToken.None);
        Assert.Equal("1", await ReadAsync(CallIptables));
    }

    [Fact]
    public async Task WithTheSettingOff_TheHostsValueStays_AndBridgedFramesStillMeetIptables()
    {
        await using var agent = LabAgent.Start(_lab, 0, configure: o => o.BridgeNetfilterOff = false);
        var client = await AttachAsync(agent, "client");
        var server = await AttachAsync(agent, "server", PortMapping.Parse("18081:80"));
        await _lab.ServeHttpAsync(server.NetworkNamespacePath!, 80, "server");

        Assert.Equal("1", await ReadAsync(CallIptables));
        Assert.Null(await NetnsLab.FetchAsync(client.NetworkNamespacePath!, $"http://{server.IpAddress}/"));
        Assert.Equal("server", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18081/"));
    }

    [Fact]
    public async Task WithAnotherBridgeOnTheHost_TheHostsValueStays()
    {
        var other = await _lab.RunOnHostAsync(0, "ip", "link", "add", "docker-like0", "type", "bridge");
        Assert.True(other.ExitCode == 0, other.Error);
        await using var agent = LabAgent.Start(_lab, 0);
        var server = await AttachAsync(agent, "server", PortMapping.Parse("18083:80"));
        await _lab.ServeHttpAsync(server.NetworkNamespacePath!, 80, "server");

        Assert.Equal("1", await ReadAsync(CallIptables));
        Assert.Equal("server", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18083/"));
    }

    [Fact]
    public async Task AgentRestartedWithoutTheContainers_PutsBackTheValuesTheFirstAgentFound()
    {
        await SetAsync("net.bridge.bridge-nf-call-arptables", "0");
        var first = LabAgent.Start(_lab, 0);
        await AttachAsync(first, "web", PortMapping.Parse("18082:80"));
        Assert.Equal("0", await ReadAsync(CallIptables));
        await first.AbandonAsync();

        await using (var second = LabAgent.Start(_lab, 0, first.Root))
        {
            await second.Networking.ReconcileAsync([], CancellationToken.None);

            Assert.Equal("1", await ReadAsync(CallIptables));
            Assert.Equal("0", await ReadAsync("net.bridge.bridge-nf-call-arptables"));
        }
    }

    private async Task SetAsync(string key, string value)
    {
        var set = await _lab.RunOnHostAsync(0, "sysctl", "-q", "-w", $"{key}={value}");
        Assert.True(set.ExitCode == 0, $"cannot set {key} in a lab host (is br_netfilter loaded? 'modprobe br_netfilter'): {set.Error}");
    }

    private async Task<string> ReadAsync(string key) => (await _lab.RunOnHostAsync(0, "sysctl", "-n", key)).Output.Trim();

    private static Task<NetworkAttachment> AttachAsync(LabAgent agent, string name, params PortMapping[] ports) =>
        agent.Networking.AttachAsync(new NetworkRequest(name, name, $"{name}-host", NetworkMode.Bridge, ports), CancellationToken.None);
}

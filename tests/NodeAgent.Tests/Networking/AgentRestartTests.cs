using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>What survives an agent that dies without cleaning up, and what the next agent's reconcile removes.</summary>
[Trait("Category", "Integration")]
public sealed class AgentRestartTests : IAsyncLifetime
{
    private NetnsLab _lab = null!;

    public async Task InitializeAsync() => _lab = await NetnsLab.CreateAsync(2);

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task KilledAgent_KeepsPublishedPortsWorking_AndTheNextAgentKeepsLiveAndRemovesDeadContainers()
    {
        var first = LabAgent.Start(_lab, 0);
        var kept = await AttachAsync(first, "kept", "18090:80");
        var dead = await AttachAsync(first, "dead", "18091:80");
        await _lab.ServeHttpAsync(kept.NetworkNamespacePath!, 80, "kept");
        await _lab.ServeHttpAsync(dead.NetworkNamespacePath!, 80, "dead");
        await first.AbandonAsync();

        // No agent: the kernel keeps forwarding.
        Assert.Equal("kept", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18090/"));

        // Leftovers of a crash in the middle of an attach: a namespace and a veth no attachment owns.
        var orphanNamespace = Path.Combine(first.Options.NetnsDirectory, "orphan");
        await File.WriteAllBytesAsync(orphanNamespace, []);
        await Shell.RunCheckedAsync("unshare", $"--net={orphanNamespace}", "true");
        await _lab.RunOnHostAsync(0, "ip", "link", "add", "fltorphan0", "type", "veth", "peer", "name", "fltorphan1");
        await _lab.RunOnHostAsync(0, "ip", "link", "set", "fltorphan0", "master", "flotilla0");

        await using var second = LabAgent.Start(_lab, 0, first.Root);
        await second.Networking.ReconcileAsync([kept.ContainerId], CancellationToken.None);

        Assert.Equal("kept", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18090/"));
        Assert.Null(await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18091/"));
        Assert.Equal(kept, second.Networking.Find(kept.ContainerId), AttachmentComparer.Instance);
        Assert.Null(second.Networking.Find(dead.ContainerId));
        Assert.Equal([kept.NetworkNamespacePath!], Directory.GetFiles(second.Options.NetnsDirectory));
        var rules = (await _lab.RunOnHostAsync(0, "nft", "list", "ruleset")).Output;
        Assert.Contains("\"kept\"", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("\"dead\"", rules, StringComparison.Ordinal);
        var bridgePorts = (await _lab.RunOnHostAsync(0, "ip", "-o", "link", "show", "master", "flotilla0")).Output;
        Assert.Single(bridgePorts.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The dead container's port is free again; the live container's address is not handed out twice.
        var successor = await AttachAsync(second, "successor", "18091:80");
        Assert.NotEqual(kept.IpAddress, successor.IpAddress);
        await Assert.ThrowsAsync<PortInUseException>(() => AttachAsync(second, "thief", "18090:80"));
    }

    [Fact]
    public async Task RestartedAgent_ReappliesMissingRules()
    {
        // The nftables path alone: the eBPF fast path would carry the remote client without any rule.
        var first = LabAgent.Start(_lab, 0, configure: o => o.FastPath = false);
        var web = await AttachAsync(first, "web", "18092:80");
        await _lab.ServeHttpAsync(web.NetworkNamespacePath!, 80, "web");
        await first.AbandonAsync();
        await _lab.RunOnHostAsync(0, "nft", "flush", "ruleset");
        Assert.Null(await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18092/"));

        await using var second = LabAgent.Start(_lab, 0, first.Root, configure: o => o.FastPath = false);
        await second.Networking.ReconcileAsync([web.ContainerId], CancellationToken.None);

        Assert.Equal("web", await NetnsLab.FetchAsync(_lab.HostNamespacePath(1), $"http://{_lab.HostAddress(0)}:18092/"));
    }

    private static Task<NetworkAttachment> AttachAsync(LabAgent agent, string name, string port) =>
        agent.Networking.AttachAsync(new NetworkRequest(name, name, name, NetworkMode.Bridge, [PortMapping.Parse(port)]), CancellationToken.None);
}

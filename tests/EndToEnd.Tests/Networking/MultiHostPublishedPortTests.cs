using System.Globalization;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;

namespace Flotilla.EndToEnd.Tests.Networking;

/// <summary>
/// Issue #5's multi-host test: three netns hosts, a real agent in each. A container on host1 publishes a
/// port; host2 and host3 reach it through host1's address; the path survives a SIGKILLed agent; the restarted
/// agent re-adopts the container with exactly its rules; removing the container removes the path. The remote
/// clients' traffic takes the agent's eBPF fast path (pinned in bpffs, so it outlives the agent), which the
/// host's connection tracking never sees.
/// </summary>
[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class MultiHostPublishedPortTests
{
    private static readonly string ContainerPort = TestImages.HttpdPort.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task APublishedPort_IsReachedAcrossHosts_SurvivesAKilledAgent_IsReadopted_AndGoesWithTheContainer()
    {
        await using var group = await NetworkedHosts.StartAsync(3);
        var agent = group.Agents[0];
        var url = $"http://{group.Hosts[0].Address}:19090/";
        var name = $"site-{group.Suffix}";

        var run = await agent.DockerAsync("run", "-d", "--name", name, "-p", $"19090:{ContainerPort}", group.HttpdImage);
        Assert.True(run.Succeeded, run + agent.LogTail());
        var id = run.StandardOutput.Trim();
        var fromHost2 = await group.FetchAsync(1, url);
        var fromHost3 = await group.FetchAsync(2, url);
        var rulesBefore = await group.RulesAsync(0);
        // A container on host2 reaches it too (through host2's masquerade, then host1's DNAT).
        var fromContainerOnHost2 = await group.Agents[1].DockerAsync("run", "--rm", group.BusyboxImage, "wget", "-q", "-O", "-", url);

        var tracked = await group.Hosts[0].RunAsync("conntrack", ["-L", "-p", "tcp", "--dport", "19090"]);

        await agent.KillAsync();
        var whileAgentDead = await group.FetchAsync(1, url);
        var pinsWhileAgentDead = PinnedLinks(agent.NodeId);

        await agent.RestartAsync();
        var state = await agent.DockerAsync("ps", "--format", "{{.ID}} {{.State}} {{.Ports}}");
        var rulesAfterRestart = await group.RulesAsync(0);
        var bridgePortsAfterRestart = await group.Hosts[0].RunAsync("ip", "-o", "link", "show", "master", group.BridgeName(0));
        var afterRestart = await group.FetchAsync(2, url);

        (await agent.DockerAsync("rm", "-f", name)).EnsureSuccess();
        var afterRemoval = await group.FetchOnceAsync(1, url);
        var rulesAfterRemoval = await group.RulesAsync(0);
        var bridgePortsAfterRemoval = await group.Hosts[0].RunAsync("ip", "-o", "link", "show", "master", group.BridgeName(0));
        var pinsAfterRemoval = PinnedLinks(agent.NodeId);

        Assert.Equal(TestImages.HttpdIndexHtml, fromHost2.StandardOutput);
        Assert.Equal(TestImages.HttpdIndexHtml, fromHost3.StandardOutput);
        Assert.True(fromContainerOnHost2.Succeeded, fromContainerOnHost2 + group.Agents[1].LogTail());
        Assert.Equal(TestImages.HttpdIndexHtml, fromContainerOnHost2.StandardOutput);
        Assert.Equal(TestImages.HttpdIndexHtml, whileAgentDead.StandardOutput);
        Assert.True(tracked.Succeeded, tracked.ToString());
        Assert.DoesNotContain("dport=19090", tracked.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(pinsWhileAgentDead, link => link.StartsWith("ingress-eth0-", StringComparison.Ordinal));
        Assert.Contains(pinsWhileAgentDead, link => link.StartsWith("reply-flt", StringComparison.Ordinal));
        Assert.Equal($"{id[..12]} running 0.0.0.0:19090->{ContainerPort}/tcp", state.StandardOutput.Trim());
        Assert.Equal(rulesBefore, rulesAfterRestart);
        Assert.Equal(1, CountDnat(rulesAfterRestart));
        Assert.Single(bridgePortsAfterRestart.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(TestImages.HttpdIndexHtml, afterRestart.StandardOutput);
        Assert.False(afterRemoval.Succeeded, "host1's published port still answers after rm -f: " + afterRemoval);
        Assert.Equal(0, CountDnat(rulesAfterRemoval));
        Assert.Equal("", bridgePortsAfterRemoval.StandardOutput.Trim());
        Assert.Empty(pinsAfterRemoval);
    }

    /// <summary>The tcx links the agent's fast path pinned (ingress-&lt;interface&gt;-&lt;index&gt;, reply-&lt;veth&gt;-&lt;index&gt;).</summary>
    private static List<string> PinnedLinks(string nodeId)
    {
        var directory = Path.Combine(AgentProcess.FastPathPinRoot, nodeId, "links");
        return Directory.Exists(directory) ? Directory.GetFiles(directory).Select(p => Path.GetFileName(p)).ToList() : [];
    }

    private static int CountDnat(string rules) =>
        rules.Split('\n').Count(l => l.Contains("dnat to", StringComparison.Ordinal));
}

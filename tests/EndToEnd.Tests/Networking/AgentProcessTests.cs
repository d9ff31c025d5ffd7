using System.Security.Cryptography;
using Flotilla.TestSupport;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Processes;

namespace Flotilla.EndToEnd.Tests.Networking;

[Trait(TestCategories.Name, TestCategories.EndToEnd)]
public sealed class AgentProcessTests
{
    [Fact]
    public async Task AnAgentInAHost_AnswersOnItsSocketAndPort_AndComesBackAfterAKill()
    {
        await using var hosts = await NetnsHosts.CreateAsync(1);
        var nodeId = $"e2e-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var agent = await AgentProcess.StartAsync(new()
        {
            NodeId = nodeId,
            Host = hosts[0],
            Arguments = ["--Networking:BridgeName=fltap0", "--Networking:Subnet=10.251.0.0/24"],
        });
        string root;
        try
        {
            root = agent.Root;
            var info = await agent.DockerAsync("info", "--format", "{{.ID}}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var health = await http.GetStringAsync(new Uri(agent.HttpAddress, "healthz"));
            var firstPid = agent.Pid;

            await agent.KillAsync();
            var whileDown = await agent.DockerAsync("info", "--format", "{{.ID}}");
            await agent.RestartAsync();
            var afterRestart = await agent.DockerAsync("info", "--format", "{{.ID}}");

            Assert.True(info.Succeeded, info + agent.LogTail());
            Assert.Equal(nodeId, info.StandardOutput.Trim());
            Assert.Equal("ok", health);
            Assert.False(whileDown.Succeeded, whileDown.ToString());
            Assert.True(afterRestart.Succeeded, afterRestart + agent.LogTail());
            Assert.NotEqual(firstPid, agent.Pid);
        }
        finally
        {
            await agent.DisposeAsync();
        }

        Assert.False(Directory.Exists(root), $"{root} outlived the agent");
        Assert.False(agent.IsRunning);
    }

    [Fact]
    public async Task AnAgentInTheTestsOwnNamespace_GetsABridgeOfItsOwn_AndLeavesNoBridgeOrRulesBehind()
    {
        var nodeId = $"e2e-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var agent = await AgentProcess.StartAsync(new() { NodeId = nodeId });
        string bridge;
        try
        {
            // The agent sets up its bridge and table when it starts; the production names never appear.
            var info = await agent.DockerAsync("network", "inspect", "bridge", "--format", "{{index .Options \"com.docker.network.bridge.name\"}}");
            Assert.True(info.Succeeded, info + agent.LogTail());
            bridge = info.StandardOutput.Trim();
            Assert.Matches("^flt[0-9a-f]{8}$", bridge);
            Assert.True((await ProcessRunner.RunAsync("ip", ["link", "show", "dev", bridge])).Succeeded);
        }
        finally
        {
            await agent.DisposeAsync();
        }

        var link = await ProcessRunner.RunAsync("ip", ["link", "show", "dev", bridge]);
        var table = await ProcessRunner.RunAsync("nft", ["list", "table", "ip", $"flotilla_{bridge}"]);
        var forward = await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-S", "FORWARD"]);
        Assert.False(link.Succeeded, $"bridge {bridge} outlived the agent");
        Assert.DoesNotContain(bridge, forward.StandardOutput, StringComparison.Ordinal);
        Assert.False(table.Succeeded, $"table flotilla_{bridge} outlived the agent:\n{table.StandardOutput}");
    }
}

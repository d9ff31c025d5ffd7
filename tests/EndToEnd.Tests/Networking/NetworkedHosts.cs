using System.Globalization;
using System.Security.Cryptography;
using Flotilla.TestSupport.Agents;
using Flotilla.TestSupport.Images;
using Flotilla.TestSupport.Netns;
using Flotilla.TestSupport.Processes;
using Flotilla.TestSupport.Registry;

namespace Flotilla.EndToEnd.Tests.Networking;

/// <summary>
/// Netns hosts, each running a real agent with networking on (its own bridge and subnet, never
/// <c>flotilla0</c> or 10.88/16), and a registry they pull the test images from through the group's gateway
/// address. <see cref="HttpdImage"/> and <see cref="BusyboxImage"/> are pulled into every agent.
/// </summary>
public sealed class NetworkedHosts : IAsyncDisposable
{
    private readonly List<AgentProcess> _agents = [];
    private RegistryFixture? _registry;
    private TcpForwarder? _forwarder;

    private NetworkedHosts(NetnsHosts hosts, string suffix)
    {
        Hosts = hosts;
        Suffix = suffix;
    }

    public NetnsHosts Hosts { get; }

    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>A random tag in every name this group makes.</summary>
    public string Suffix { get; }

    public string HttpdImage { get; private set; } = "";

    public string BusyboxImage { get; private set; } = "";

    /// <summary>The host port range agents choose from (<c>-p 80</c>, <c>-P</c>).</summary>
    public static (int Start, int End) HostPortRange => (21000, 21099);

    public static async Task<NetworkedHosts> StartAsync(int count)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var group = new NetworkedHosts(await NetnsHosts.CreateAsync(count), suffix);
        try
        {
            group._registry = await RegistryFixture.StartAsync();
            await TestImages.Httpd.PushAsync(group._registry.Address, "httpd", "1.0");
            await TestImages.Busybox.PushAsync(group._registry.Address, "busybox", "1.0");
            group._forwarder = TcpForwarder.Start(group.Hosts.GatewayAddress, group._registry.Address);
            group.HttpdImage = $"{group._forwarder.Address}/httpd:1.0";
            group.BusyboxImage = $"{group._forwarder.Address}/busybox:1.0";
            for (var index = 0; index < count; index++)
            {
                await group.StartAgentAsync(index);
            }

            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>The bridge agent <paramref name="index"/> uses in its host.</summary>
    public string BridgeName(int index) => $"flt{Suffix}b{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The subnet of agent <paramref name="index"/>'s containers: distinct per host, inside the host's namespace only.</summary>
    public static string Subnet(int index) => $"10.{(200 + index).ToString(CultureInfo.InvariantCulture)}.0.0/24";

    /// <summary>The nftables table agent <paramref name="index"/> keeps its rules in.</summary>
    public string TableName(int index) => $"flotilla_{BridgeName(index)}";

    /// <summary>Runs busybox wget in host <paramref name="index"/> until it gets a page or the attempts run out; returns the last result.</summary>
    public async Task<ProcessResult> FetchAsync(int index, string url, int attempts = 20)
    {
        ProcessResult result = null!;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            // busybox-static's wget crashes with -T; the runner's timeout bounds each attempt instead.
            result = await Hosts[index].RunAsync("busybox", ["wget", "-q", "-O", "-", url], TimeSpan.FromSeconds(5));
            if (result.Succeeded)
            {
                return result;
            }

            await Task.Delay(250);
        }

        return result;
    }

    /// <summary>One attempt, bounded: for asserting that a path is gone.</summary>
    public Task<ProcessResult> FetchOnceAsync(int index, string url) =>
        Hosts[index].RunAsync("busybox", ["wget", "-q", "-O", "-", url], TimeSpan.FromSeconds(5));

    /// <summary>The rules of agent <paramref name="index"/>'s table (empty when the table is absent).</summary>
    public async Task<string> RulesAsync(int index)
    {
        var listed = await Hosts[index].RunAsync("nft", ["list", "table", "ip", TableName(index)]);
        return listed.Succeeded ? listed.StandardOutput : "";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        await Hosts.DisposeAsync();
    }

    private async Task StartAgentAsync(int index)
    {
        var agent = await AgentProcess.StartAsync(new AgentProcessOptions
        {
            NodeId = $"e2e-{Suffix}-{index.ToString(CultureInfo.InvariantCulture)}",
            Host = Hosts[index],
            Arguments =
            [
                $"--Networking:BridgeName={BridgeName(index)}",
                $"--Networking:Subnet={Subnet(index)}",
                $"--Networking:HostPortRangeStart={HostPortRange.Start.ToString(CultureInfo.InvariantCulture)}",
                $"--Networking:HostPortRangeEnd={HostPortRange.End.ToString(CultureInfo.InvariantCulture)}",
                $"--Images:PlainHttpRegistries:0={_forwarder!.Address}",
            ],
        });
        _agents.Add(agent);

        (await agent.DockerAsync("pull", HttpdImage)).EnsureSuccess();
        (await agent.DockerAsync("pull", BusyboxImage)).EnsureSuccess();
    }
}

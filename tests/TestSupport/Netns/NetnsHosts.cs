using System.Globalization;
using System.Text.RegularExpressions;
using Flotilla.TestSupport.Processes;

namespace Flotilla.TestSupport.Netns;

/// <summary>
/// N simulated hosts on one private L2 segment: a network namespace per host, a veth from each to
/// a bridge in the root namespace, addresses in a /24 of 198.18.0.0/15 claimed for this group
/// alone. Hosts reach each other and the root namespace at <see cref="GatewayAddress"/> (including
/// ports Docker publishes there, e.g. <see cref="Redis.RedisFixture"/>'s), and nothing else: no
/// default route, and the bridge's traffic is forwarded nowhere else.
/// <code>
/// await using var hosts = await NetnsHosts.CreateAsync(2);
/// var ping = await hosts[0].RunAsync("busybox", "ping", "-c", "1", hosts[1].Address);
/// </code>
/// Disposing kills every process in the namespaces and removes namespaces, bridge and firewall
/// rules. Needs root. Resources are named <c>fth&lt;index&gt;…</c> after the claimed subnet; the
/// first group made in a process removes what crashed runs left under subnets nobody holds.
/// </summary>
public sealed partial class NetnsHosts : IAsyncDisposable
{
    private const int MaxHosts = 200;
    private const int FirstHostOctet = 10;

    // Once per process: remove what crashed runs left under subnets nobody holds any more.
    private static readonly Lazy<Task> StaleSweep = new(() => SweepStaleAsync(CancellationToken.None));
    private readonly SubnetLease _lease;
    private readonly List<NetnsHost> _hosts = [];

    private NetnsHosts(SubnetLease lease)
    {
        _lease = lease;
        Subnet = $"{lease.Prefix}.0/24";
        GatewayAddress = $"{lease.Prefix}.1";
        BridgeName = $"fthbr{lease.Index}";
    }

    /// <summary>The hosts, <c>host1</c> first.</summary>
    public IReadOnlyList<NetnsHost> Hosts => _hosts;

    /// <summary>The host at <paramref name="index"/> (0-based).</summary>
    public NetnsHost this[int index] => _hosts[index];

    /// <summary>The group's subnet, e.g. <c>198.18.42.0/24</c>.</summary>
    public string Subnet { get; }

    /// <summary>
    /// The bridge's address in the root namespace: the one root-namespace address hosts can reach,
    /// e.g. a control plane listening on all addresses, or a port Docker publishes (Redis).
    /// </summary>
    public string GatewayAddress { get; }

    /// <summary>The bridge in the root namespace.</summary>
    public string BridgeName { get; }

    private string Tag => $"fth{_lease.Index}";

    /// <summary>Creates <paramref name="count"/> hosts. Needs root, iproute2 and iptables.</summary>
    public static async Task<NetnsHosts> CreateAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxHosts);
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("netns hosts need root (network namespaces, bridges, iptables): run the tests as root");
        }

        await StaleSweep.Value;
        var hosts = new NetnsHosts(SubnetLease.Acquire());
        try
        {
            await hosts.RemoveLeftoversAsync(cancellationToken);
            await hosts.CreateBridgeAsync(cancellationToken);
            for (var i = 1; i <= count; i++)
            {
                await hosts.AddHostAsync(i, cancellationToken);
            }

            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills every process in the hosts, then removes namespaces, bridge and firewall rules.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var host in _hosts)
            {
                await host.StopProcessesAsync();
            }

            await RemoveLeftoversAsync(CancellationToken.None);
        }
        finally
        {
            _hosts.Clear();
            _lease.Dispose();
        }
    }

    private static async Task SweepStaleAsync(CancellationToken cancellationToken)
    {
        var namespaces = await ProcessRunner.RunCheckedAsync("ip", ["netns", "list"], cancellationToken);
        var links = await ProcessRunner.RunCheckedAsync("ip", ["-o", "link", "show", "type", "bridge"], cancellationToken);
        var rules = await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-S", "FORWARD"], cancellationToken);
        var indices = LeftoverName().Matches(namespaces.StandardOutput + links.StandardOutput + rules.StandardOutput)
            .Select(m => int.Parse(m.Groups["index"].Value, CultureInfo.InvariantCulture))
            .Where(i => i < SubnetLease.Count)
            .Distinct();
        foreach (var index in indices)
        {
            if (SubnetLease.TryAcquire(index) is { } lease)
            {
                await new NetnsHosts(lease).DisposeAsync();
            }
        }
    }

    private async Task CreateBridgeAsync(CancellationToken cancellationToken)
    {
        await IpBatchAsync(
            [
                $"link add {BridgeName} type bridge",
                $"addr add {GatewayAddress}/24 dev {BridgeName}",
                $"link set {BridgeName} up",
            ],
            cancellationToken);
        foreach (var rule in FirewallRules())
        {
            // Docker sets FORWARD's policy to DROP and br_netfilter sends bridged frames through
            // it: allow host-to-host traffic explicitly, and connections to ports published on the
            // gateway address (Docker's DNAT to a container on this machine); refuse the rest.
            await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-I", "FORWARD", .. rule], cancellationToken);
        }
    }

    private async Task AddHostAsync(int number, CancellationToken cancellationToken)
    {
        var host = new NetnsHost(
            $"host{number}",
            $"{Tag}-{number}",
            $"{_lease.Prefix}.{(FirstHostOctet + number).ToString(CultureInfo.InvariantCulture)}");
        var veth = $"fthv{_lease.Index}-{number}";
        await IpBatchAsync(
            [
                $"netns add {host.Namespace}",
                $"link add {veth} type veth peer name eth0 netns {host.Namespace}",
                $"link set {veth} master {BridgeName} up",
            ],
            cancellationToken);
        await IpBatchAsync(
            [
                "link set lo up",
                $"addr add {host.Address}/24 dev eth0",
                "link set eth0 up",
            ],
            cancellationToken,
            host.Namespace);
        _hosts.Add(host);
    }

    private async Task RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        var namespaces = await ProcessRunner.RunCheckedAsync("ip", ["netns", "list"], cancellationToken);
        foreach (var line in namespaces.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Tag + "-", StringComparison.Ordinal))
            {
                continue;
            }

            // Anything still running in the namespace would keep it (and its veth) alive.
            var pids = (await ProcessRunner.RunAsync("ip", ["netns", "pids", name], cancellationToken: cancellationToken))
                .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
                .ToList();
            foreach (var pid in pids)
            {
                ProcessState.Kill(pid);
            }

            foreach (var pid in pids)
            {
                await WaitUntilGoneAsync(pid, cancellationToken);
            }

            await ProcessRunner.RunCheckedAsync("ip", ["netns", "delete", name], cancellationToken);
        }

        var bridge = await ProcessRunner.RunAsync("ip", ["link", "show", BridgeName], cancellationToken: cancellationToken);
        if (bridge.Succeeded)
        {
            await ProcessRunner.RunCheckedAsync("ip", ["link", "delete", BridgeName], cancellationToken);
        }

        foreach (var rule in FirewallRules())
        {
            while ((await ProcessRunner.RunAsync("iptables", ["-w", "-C", "FORWARD", .. rule], cancellationToken: cancellationToken)).Succeeded)
            {
                await ProcessRunner.RunCheckedAsync("iptables", ["-w", "-D", "FORWARD", .. rule], cancellationToken);
            }
        }
    }

    private static async Task WaitUntilGoneAsync(int pid, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 100 && ProcessState.IsRunning(pid); i++)
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    // Inserted in this order at the top of FORWARD, so they end up in reverse: published ports,
    // then host to host, then refuse the rest.
    private IEnumerable<string[]> FirewallRules() =>
    [
        ["-i", BridgeName, "!", "-o", BridgeName, "-m", "comment", "--comment", Tag, "-j", "DROP"],
        ["-i", BridgeName, "-o", BridgeName, "-m", "comment", "--comment", Tag, "-j", "ACCEPT"],
        ["-i", BridgeName, "-m", "conntrack", "--ctstate", "DNAT", "-m", "comment", "--comment", Tag, "-j", "ACCEPT"],
    ];

    [GeneratedRegex(@"\bfth(?:br)?(?<index>\d+)\b")]
    private static partial Regex LeftoverName();

    private static async Task IpBatchAsync(IEnumerable<string> commands, CancellationToken cancellationToken, string? inNamespace = null)
    {
        string[] arguments = inNamespace is null ? ["-batch", "-"] : ["-n", inNamespace, "-batch", "-"];
        var result = await ProcessRunner.RunAsync("ip", arguments, string.Join('\n', commands) + "\n", cancellationToken: cancellationToken);
        result.EnsureSuccess();
    }
}

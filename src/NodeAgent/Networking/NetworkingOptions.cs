namespace Flotilla.NodeAgent.Networking;

/// <summary>The host's container network: bound from the <c>Networking</c> section, checked at start-up.</summary>
public sealed class NetworkingOptions
{
    public const string SectionName = "Networking";

    /// <summary>The Linux bridge containers attach to; also names the agent's nftables table. At most 15 characters.</summary>
    public string BridgeName { get; set; } = "flotilla0";

    /// <summary>
    /// The IPv4 subnet of this host's containers in CIDR form (given by the control plane later; by
    /// configuration now). Its first address is the bridge's and the containers' gateway. Hosts that
    /// must reach each other's containers directly need distinct subnets.
    /// </summary>
    public string Subnet { get; set; } = "10.88.0.0/16";

    /// <summary>First port handed out when a container publishes a port without choosing a host port.</summary>
    public int HostPortRangeStart { get; set; } = 20000;

    /// <summary>Last port of that range (inclusive). The default stays below Linux's ephemeral range (32768-60999).</summary>
    public int HostPortRangeEnd { get; set; } = 29999;

    /// <summary>Where attachments (addresses, ports, veth names) are persisted across agent restarts.</summary>
    public string StateDirectory { get; set; } = "/var/lib/flotilla/network";

    /// <summary>Where containers' network namespaces are bind-mounted, one file per container id.</summary>
    public string NetnsDirectory { get; set; } = "/run/flotilla/netns";

    /// <summary>
    /// The network namespace (a path such as <c>/run/netns/host-a</c>) that stands in for the host: the
    /// bridge, rules and host ends of the veths go there. Null means the agent's own namespace, as in
    /// production; tests set it to drive several "hosts" from one process.
    /// </summary>
    public string? HostNetworkNamespace { get; set; }

    /// <summary>The host's resolver configuration copied into containers (loopback resolvers replaced).</summary>
    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>Resolvers written into containers when the host only lists loopback ones (Docker's choice).</summary>
    public IReadOnlyList<string> FallbackDnsServers { get; set; } = ["8.8.8.8", "8.8.4.4"];

    /// <summary>
    /// Turn off br_netfilter's pass of bridged frames through iptables (<c>net.bridge.bridge-nf-call-*</c>) in the
    /// host's namespace while the bridge carries containers, restoring the values found when the last one goes.
    /// The agent's own rules do not need the pass, and it costs every packet from a container a second trip through
    /// connection tracking. The sysctls are per namespace, not per bridge, and other bridges may need bridged frames
    /// filtered (Docker with <c>icc=false</c>, Kubernetes): so this happens only while the agent's bridge is the only
    /// bridge of the namespace. False: never touch them.
    /// </summary>
    public bool BridgeNetfilterOff { get; set; } = true;

    /// <summary>
    /// Carry published ports' traffic from the host's external interfaces to containers and back with eBPF programs
    /// (tcx) instead of the host's routing, nftables and bridge, which stay for everything else (traffic from the host
    /// itself, hairpin, IPv6, fragments). When the kernel refuses eBPF the agent logs it once and uses nftables alone.
    /// </summary>
    public bool FastPath { get; set; } = true;

    /// <summary>
    /// The bpffs directory the fast path pins its maps and links in, so they outlive the agent. Unset: under
    /// <c>/sys/fs/bpf/flotilla/</c>, named after the node (the agent) or the state directory (the library alone).
    /// </summary>
    public string? FastPathPinDirectory { get; set; }

    /// <summary>MTU of the bridge and the containers' interfaces.</summary>
    public int Mtu { get; set; } = 1500;
}

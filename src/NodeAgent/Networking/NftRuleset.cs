using System.Globalization;
using System.Text;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// The agent's kernel rules for one bridge, all in one nftables table named after the bridge (so agents of
/// several bridges in one namespace never touch each other's rules). The script replaces the whole table
/// in one transaction: the rules always equal the persisted attachments, with no window where a published
/// port is missing and no stale rule surviving a crash.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>prerouting/output: traffic to a local address (any, or the mapping's host address) and a published
/// port is DNATed to the container; output covers the host itself, including 127.0.0.1 (the bridge gets
/// <c>route_localnet</c> so such packets may leave through it).</item>
/// <item>postrouting: containers' traffic leaving through any other interface is masqueraded (outbound);
/// DNATed traffic arriving on the bridge from the loopback address or from the containers themselves
/// (hairpin: a container calling a published port of the host) is masqueraded so replies come back the
/// same way.</item>
/// </list>
/// </remarks>
internal static class NftRuleset
{
    public static string TableName(string bridge)
    {
        var name = new StringBuilder("flotilla_");
        foreach (var c in bridge)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        return name.ToString();
    }

    /// <summary>The script that replaces the table with rules for <paramref name="attachments"/>.</summary>
    public static string Build(string bridge, Ipv4Subnet subnet, IEnumerable<AttachmentRecord> attachments)
    {
        var table = TableName(bridge);
        var script = new StringBuilder();
        // "add" first so "delete" succeeds on the first run too; all in one transaction.
        script.Append(CultureInfo.InvariantCulture, $"add table ip {table}\n");
        script.Append(CultureInfo.InvariantCulture, $"delete table ip {table}\n");
        script.Append(CultureInfo.InvariantCulture, $"table ip {table} {{\n");
        script.Append("  chain published {\n");
        foreach (var attachment in attachments.OrderBy(a => a.ContainerId, StringComparer.Ordinal))
        {
            if (attachment.IpAddress is null)
            {
                continue;
            }

            foreach (var port in attachment.Ports)
            {
                var protocol = port.Protocol == PortProtocol.Udp ? "udp" : "tcp";
                var address = port.HostIp == "0.0.0.0" ? "" : $"ip daddr {port.HostIp} ";
                script.Append(CultureInfo.InvariantCulture,
                    $"    {address}{protocol} dport {port.HostPort} dnat to {attachment.IpAddress}:{port.ContainerPort} comment \"{attachment.ContainerId}\"\n");
            }
        }

        script.Append("  }\n");
        script.Append("  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n    fib daddr type local jump published\n  }\n");
        script.Append("  chain output {\n    type nat hook output priority -100; policy accept;\n    fib daddr type local jump published\n  }\n");
        script.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        script.Append(CultureInfo.InvariantCulture, $"    ip saddr {subnet} oifname != \"{bridge}\" masquerade\n");
        script.Append(CultureInfo.InvariantCulture, $"    oifname \"{bridge}\" ip saddr 127.0.0.0/8 masquerade\n");
        script.Append(CultureInfo.InvariantCulture, $"    oifname \"{bridge}\" ip saddr {subnet} ct status dnat masquerade\n");
        script.Append("  }\n");
        script.Append("}\n");
        return script.ToString();
    }

    /// <summary>The script that removes the table (nothing if it is absent).</summary>
    public static string Remove(string bridge)
    {
        var table = TableName(bridge);
        return $"add table ip {table}\ndelete table ip {table}\n";
    }
}

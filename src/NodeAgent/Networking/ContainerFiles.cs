using System.Net;
using System.Text;

namespace Flotilla.NodeAgent.Networking;

/// <summary>The contents of a container's /etc/hosts, /etc/hostname and /etc/resolv.conf.</summary>
internal static class ContainerFiles
{
    private const string LocalhostEntries =
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

    /// <summary>Localhost entries, the container's own address with its hostname and name, then peers (name discovery).</summary>
    public static string Hosts(string? ipAddress, string hostname, IEnumerable<string> ownNames, IEnumerable<(string Address, IReadOnlyList<string> Names)> peers)
    {
        var text = new StringBuilder(LocalhostEntries);
        if (ipAddress is not null)
        {
            var names = new[] { hostname }.Concat(ownNames).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal);
            text.Append(ipAddress).Append('\t').AppendJoin(' ', names).Append('\n');
        }

        foreach (var (address, names) in peers)
        {
            text.Append(address).Append('\t').AppendJoin(' ', names).Append('\n');
        }

        return text.ToString();
    }

    public static string Hostname(string hostname) => hostname + "\n";

    /// <summary>
    /// The host's resolv.conf with loopback nameservers removed (they would point into the container's own
    /// namespace); when none is left, <paramref name="fallbackServers"/> are used, as Docker does.
    /// </summary>
    public static string ResolvConf(string hostResolvConf, IReadOnlyList<string> fallbackServers)
    {
        var text = new StringBuilder();
        var servers = 0;
        foreach (var rawLine in hostResolvConf.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields is ["nameserver", var server, ..])
            {
                if (IPAddress.TryParse(server.Split('%')[0], out var address) && IPAddress.IsLoopback(address))
                {
                    continue;
                }

                servers++;
            }

            if (line.Length > 0)
            {
                text.Append(line).Append('\n');
            }
        }

        if (servers == 0)
        {
            foreach (var server in fallbackServers)
            {
                text.Append("nameserver ").Append(server).Append('\n');
            }
        }

        return text.ToString();
    }
}

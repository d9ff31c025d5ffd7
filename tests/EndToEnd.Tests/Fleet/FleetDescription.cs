using System.Globalization;
using System.Text.RegularExpressions;

namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>What <c>fleet.sh up</c> prints about the running fleet: the addresses a user would copy.</summary>
internal sealed partial record FleetDescription(
    IReadOnlyList<Uri> SiloRestAddresses,
    IReadOnlyList<FleetHost> Hosts,
    string Registry,
    Uri GatewayProxy,
    Uri GatewayAdmin,
    string ApiTokenFile)
{
    /// <summary>The first three octets of the hosts' /24, e.g. <c>198.19.255</c>.</summary>
    public string SubnetPrefix => Hosts[0].Address[..Hosts[0].Address.LastIndexOf('.')];

    /// <summary>The /24's index in 198.18.0.0/15, which names its lock file and the fleet's bridge.</summary>
    public int SubnetIndex
    {
        get
        {
            var octets = SubnetPrefix.Split('.').Select(o => int.Parse(o, CultureInfo.InvariantCulture)).ToArray();
            return ((octets[1] - 18) * 256) + octets[2];
        }
    }

    public static FleetDescription Parse(string output)
    {
        var silos = SiloLine().Matches(output).Select(m => new Uri(m.Groups["rest"].Value)).ToList();
        var hosts = HostLine().Matches(output)
            .Select(m => new FleetHost(m.Groups["host"].Value, m.Groups["node"].Value, m.Groups["address"].Value, m.Groups["netns"].Value, m.Groups["socket"].Value))
            .ToList();
        var gateway = GatewayLine().Match(output);
        var registry = RegistryLine().Match(output);
        var token = TokenLine().Match(output);
        if (silos.Count == 0 || hosts.Count == 0 || !gateway.Success || !registry.Success || !token.Success)
        {
            throw new FormatException($"fleet.sh up printed no complete description of the fleet:\n{output}");
        }

        return new FleetDescription(
            silos,
            hosts,
            registry.Groups["address"].Value,
            new Uri(gateway.Groups["proxy"].Value),
            new Uri(gateway.Groups["admin"].Value),
            token.Groups["path"].Value);
    }

    [GeneratedRegex(@"^\s+silo-\d+\s+REST (?<rest>http://\S+)", RegexOptions.Multiline)]
    private static partial Regex SiloLine();

    [GeneratedRegex(@"^\s+(?<host>host-\d+)\s+node (?<node>\S+) at (?<address>[\d.]+) in netns (?<netns>\S+): .*docker -H unix://(?<socket>\S+) ps", RegexOptions.Multiline)]
    private static partial Regex HostLine();

    [GeneratedRegex(@"^\s+registry\s+(?<address>[\d.]+:\d+)", RegexOptions.Multiline)]
    private static partial Regex RegistryLine();

    [GeneratedRegex(@"^\s+gateway\s+proxy (?<proxy>http://[^,\s]+), admin (?<admin>http://[\d.:]+)", RegexOptions.Multiline)]
    private static partial Regex GatewayLine();

    [GeneratedRegex(@"^\s+API token\s+(?<path>\S+)", RegexOptions.Multiline)]
    private static partial Regex TokenLine();
}

using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Networking;

/// <summary>Fails agent start-up with a message naming the <c>Networking:*</c> setting to fix.</summary>
internal sealed class NetworkingOptionsValidator : IValidateOptions<NetworkingOptions>
{
    public ValidateOptionsResult Validate(string? name, NetworkingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BridgeName) || options.BridgeName.Length > 15
            || options.BridgeName.Any(c => char.IsWhiteSpace(c) || c is '/' or ':' or '"'))
        {
            failures.Add($"Networking:BridgeName '{options.BridgeName}' must be 1-15 characters without spaces, '/', ':' or quotes (a Linux interface name).");
        }

        if (!Ipv4Subnet.TryParse(options.Subnet, out _, out var subnetError))
        {
            failures.Add($"Networking:Subnet: {subnetError}.");
        }

        if (options.HostPortRangeStart is < 1 or > 65535 || options.HostPortRangeEnd is < 1 or > 65535
            || options.HostPortRangeStart > options.HostPortRangeEnd)
        {
            failures.Add($"Networking:HostPortRangeStart/End ({options.HostPortRangeStart}-{options.HostPortRangeEnd}) must be ports 1-65535 with start <= end.");
        }

        if (string.IsNullOrWhiteSpace(options.StateDirectory) || !Path.IsPathFullyQualified(options.StateDirectory))
        {
            failures.Add($"Networking:StateDirectory '{options.StateDirectory}' must be an absolute path.");
        }

        if (string.IsNullOrWhiteSpace(options.NetnsDirectory) || !Path.IsPathFullyQualified(options.NetnsDirectory))
        {
            failures.Add($"Networking:NetnsDirectory '{options.NetnsDirectory}' must be an absolute path.");
        }

        if (options.HostNetworkNamespace is { } hostNamespace && !File.Exists(hostNamespace))
        {
            failures.Add($"Networking:HostNetworkNamespace '{hostNamespace}' does not exist; leave it empty to use the agent's own network namespace.");
        }

        if (options.Mtu is < 576 or > 65535)
        {
            failures.Add($"Networking:Mtu {options.Mtu} must be 576-65535.");
        }

        if (options.FastPathPinDirectory is { } pins && !Path.IsPathFullyQualified(pins))
        {
            failures.Add($"Networking:FastPathPinDirectory '{pins}' must be an absolute path (a directory on bpffs, such as /sys/fs/bpf/flotilla/node1).");
        }

        foreach (var server in options.FallbackDnsServers)
        {
            if (!System.Net.IPAddress.TryParse(server, out _))
            {
                failures.Add($"Networking:FallbackDnsServers entry '{server}' is not an IP address.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// The network part of a <c>POST /containers/create</c> body: <c>HostConfig.NetworkMode</c> and the ports
/// to publish (<c>HostConfig.PortBindings</c>, plus every exposed port with <c>PublishAllPorts</c>).
/// </summary>
internal static class CreateContainerNetwork
{
    /// <summary>
    /// The network mode as the spec carries it: <c>bridge</c> (also for <c>default</c>, empty or absent),
    /// <c>host</c> or <c>none</c>.
    /// </summary>
    /// <exception cref="NetworkNotFoundException">Any other network.</exception>
    public static string Mode(JsonElement hostConfig)
    {
        var value = hostConfig.ValueKind == JsonValueKind.Object && hostConfig.TryGetProperty("NetworkMode", out var mode) && mode.ValueKind == JsonValueKind.String
            ? mode.GetString()
            : null;
        var parsed = NetworkMode.Parse(value);
        return parsed.Kind == NetworkModeKind.UserDefined ? throw NetworkNotFoundException.For(parsed.Name) : parsed.Name;
    }

    /// <summary>
    /// The ports to publish, in the order given: every binding of <c>PortBindings</c> (<c>{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}</c>;
    /// an empty host port lets the agent choose), then with <c>PublishAllPorts</c> every port the body or the image
    /// exposes that has no binding yet, on a port the agent chooses. Host mode publishes nothing (Docker discards
    /// the ports there and its CLI warns).
    /// </summary>
    /// <exception cref="InvalidPortMappingException">A malformed port, protocol, host port or address; or ports with <c>--network none</c>.</exception>
    public static IReadOnlyList<PortMapping> Ports(JsonElement body, JsonElement hostConfig, string networkMode, Func<IReadOnlyList<string>> imageExposedPorts)
    {
        ArgumentNullException.ThrowIfNull(imageExposedPorts);
        var ports = new List<PortMapping>();
        if (hostConfig.ValueKind == JsonValueKind.Object && hostConfig.TryGetProperty("PortBindings", out var bindings) && bindings.ValueKind == JsonValueKind.Object)
        {
            foreach (var binding in bindings.EnumerateObject())
            {
                var (containerPort, protocol) = ParsePortKey(binding.Name);
                if (binding.Value.ValueKind != JsonValueKind.Array || binding.Value.GetArrayLength() == 0)
                {
                    ports.Add(new PortMapping(null, 0, containerPort, protocol));
                    continue;
                }

                foreach (var hostBinding in binding.Value.EnumerateArray())
                {
                    var hostIp = String(hostBinding, "HostIp");
                    var hostPort = String(hostBinding, "HostPort");
                    ports.Add(new PortMapping(ParseHostIp(hostIp, binding.Name), ParseHostPort(hostPort, binding.Name), containerPort, protocol));
                }
            }
        }

        if (hostConfig.ValueKind == JsonValueKind.Object && hostConfig.TryGetProperty("PublishAllPorts", out var all) && all.ValueKind == JsonValueKind.True)
        {
            var exposed = ExposedPorts(body).Concat(imageExposedPorts()).Select(ParsePortKey).Distinct();
            foreach (var (containerPort, protocol) in exposed)
            {
                if (!ports.Any(p => p.ContainerPort == containerPort && p.Protocol == protocol))
                {
                    ports.Add(new PortMapping(null, 0, containerPort, protocol));
                }
            }
        }

        foreach (var port in ports)
        {
            port.Validate();
        }

        return NetworkMode.Parse(networkMode).Kind switch
        {
            NetworkModeKind.Host => [],
            NetworkModeKind.None when ports.Count > 0 => throw new InvalidPortMappingException(
                "conflicting options: ports cannot be published with --network none (the container has no network); drop -p or use the bridge network"),
            _ => ports,
        };
    }

    /// <summary>Docker's port key: <c>80</c>, <c>80/tcp</c> or <c>53/udp</c>.</summary>
    private static (int Port, PortProtocol Protocol) ParsePortKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var number = slash < 0 ? key : key[..slash];
        var protocol = slash < 0 ? PortProtocol.Tcp : PortMapping.ParseProtocol(key[(slash + 1)..], key);
        if (number.Contains('-', StringComparison.Ordinal))
        {
            throw new InvalidPortMappingException($"port '{key}': port ranges are not supported; publish each port on its own");
        }

        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidPortMappingException($"port '{key}': container port '{number}' is not a number in 1-65535");
        }

        return (port, protocol);
    }

    private static int ParseHostPort(string? text, string key)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        if (text.Contains('-', StringComparison.Ordinal))
        {
            throw new InvalidPortMappingException($"port '{key}': host port range '{text}' is not supported; give one host port or none");
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidPortMappingException($"port '{key}': host port '{text}' is not a number in 1-65535");
        }

        return port;
    }

    private static string? ParseHostIp(string? text, string key)
    {
        if (string.IsNullOrEmpty(text) || text == "0.0.0.0")
        {
            return null;
        }

        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new InvalidPortMappingException($"port '{key}': host address '{text}' is not an IPv4 address (this agent publishes ports on IPv4 only)");
        }

        return address.ToString();
    }

    private static IEnumerable<string> ExposedPorts(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("ExposedPorts", out var exposed) && exposed.ValueKind == JsonValueKind.Object
            ? exposed.EnumerateObject().Select(p => p.Name).ToList()
            : [];

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

using System.Globalization;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// A container's network in Docker's shapes: the <c>Ports</c> of <c>docker ps</c>, and <c>NetworkSettings</c>
/// and <c>HostConfig.PortBindings</c> of inspect (what <c>docker port</c> reads). Addresses and published
/// ports are shown while the container runs, as Docker does.
/// </summary>
/// <param name="Mode">The network Docker reports: <c>bridge</c>, <c>host</c> or <c>none</c>.</param>
/// <param name="Attachment">The container's attachment; null without networking (every container then shares the host's).</param>
internal sealed record ContainerNetworkJson(string Mode, NetworkAttachment? Attachment)
{
    /// <summary>The view of <paramref name="record"/>'s network; <paramref name="networking"/> is null when the agent runs without networking.</summary>
    public static ContainerNetworkJson Of(ContainerRecord record, IContainerNetworking? networking)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (networking is null)
        {
            return new ContainerNetworkJson(NetworkMode.Host.Name, null);
        }

        var attachment = networking.Find(record.Id);
        return new ContainerNetworkJson(attachment?.NetworkName ?? NetworkMode.Parse(record.Spec.NetworkMode).Name, attachment);
    }

    /// <summary><c>docker ps</c>'s <c>Ports</c>: <c>[{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}]</c>.</summary>
    public JsonArray SummaryPorts(ContainerRecord record) => new([.. Published(record).Select(p => (JsonNode)new JsonObject
    {
        ["IP"] = p.HostIp,
        ["PrivatePort"] = p.ContainerPort,
        ["PublicPort"] = p.HostPort,
        ["Type"] = ProtocolName(p.Protocol),
    })]);

    /// <summary><c>NetworkSettings</c> of <c>/containers/json</c>.</summary>
    public JsonObject SummarySettings(ContainerRecord record) => new() { ["Networks"] = Networks(record) };

    /// <summary><c>HostConfig.PortBindings</c>: what was asked for, an empty host port where the agent chooses.</summary>
    public static JsonObject PortBindings(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var bindings = new JsonObject();
        foreach (var group in spec.Ports.GroupBy(p => Key(p.ContainerPort, p.Protocol)))
        {
            bindings[group.Key] = new JsonArray([.. group.Select(p => (JsonNode)new JsonObject
            {
                ["HostIp"] = p.HostIp ?? "",
                ["HostPort"] = p.HostPort == 0 ? "" : p.HostPort.ToString(CultureInfo.InvariantCulture),
            })]);
        }

        return bindings;
    }

    /// <summary><c>Config.ExposedPorts</c>: the container ports it publishes (<c>{"80/tcp": {}}</c>).</summary>
    public static JsonObject ExposedPorts(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var exposed = new JsonObject();
        foreach (var key in spec.Ports.Select(p => Key(p.ContainerPort, p.Protocol)).Distinct(StringComparer.Ordinal))
        {
            exposed[key] = new JsonObject();
        }

        return exposed;
    }

    /// <summary>Inspect's <c>NetworkSettings</c>.</summary>
    public JsonObject InspectSettings(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var live = Live(record);
        var ports = new JsonObject();
        foreach (var group in Published(record).GroupBy(p => p.ContainerPortKey))
        {
            ports[group.Key] = new JsonArray([.. group.Select(p => (JsonNode)new JsonObject
            {
                ["HostIp"] = p.HostIp,
                ["HostPort"] = p.HostPort.ToString(CultureInfo.InvariantCulture),
            })]);
        }

        return new JsonObject
        {
            ["Bridge"] = "",
            ["SandboxID"] = "",
            ["SandboxKey"] = live?.NetworkNamespacePath ?? "",
            ["HairpinMode"] = false,
            ["LinkLocalIPv6Address"] = "",
            ["LinkLocalIPv6PrefixLen"] = 0,
            ["Ports"] = ports,
            ["SecondaryIPAddresses"] = null,
            ["SecondaryIPv6Addresses"] = null,
            ["EndpointID"] = "",
            ["Gateway"] = live?.Gateway ?? "",
            ["GlobalIPv6Address"] = "",
            ["GlobalIPv6PrefixLen"] = 0,
            ["IPAddress"] = live?.IpAddress ?? "",
            ["IPPrefixLen"] = live?.PrefixLength ?? 0,
            ["IPv6Gateway"] = "",
            ["MacAddress"] = live?.MacAddress ?? "",
            ["Networks"] = Networks(record),
        };
    }

    private JsonObject Networks(ContainerRecord record)
    {
        var live = Live(record);
        return new JsonObject
        {
            [Mode] = new JsonObject
            {
                ["IPAMConfig"] = null,
                ["Links"] = null,
                ["Aliases"] = null,
                ["MacAddress"] = live?.MacAddress ?? "",
                ["DriverOpts"] = null,
                ["NetworkID"] = Mode,
                ["EndpointID"] = live is null ? "" : record.Id,
                ["Gateway"] = live?.Gateway ?? "",
                ["IPAddress"] = live?.IpAddress ?? "",
                ["IPPrefixLen"] = live?.PrefixLength ?? 0,
                ["IPv6Gateway"] = "",
                ["GlobalIPv6Address"] = "",
                ["GlobalIPv6PrefixLen"] = 0,
                ["DNSNames"] = null,
            },
        };
    }

    private NetworkAttachment? Live(ContainerRecord record) =>
        record.State is ContainerState.Running or ContainerState.Restarting ? Attachment : null;

    private IEnumerable<PublishedPort> Published(ContainerRecord record) =>
        (Live(record)?.Ports ?? []).OrderBy(p => p.ContainerPort).ThenBy(p => p.Protocol).ThenBy(p => p.HostPort);

    private static string Key(int port, PortProtocol protocol) => $"{port.ToString(CultureInfo.InvariantCulture)}/{ProtocolName(protocol)}";

    private static string ProtocolName(PortProtocol protocol) => protocol == PortProtocol.Udp ? "udp" : "tcp";
}

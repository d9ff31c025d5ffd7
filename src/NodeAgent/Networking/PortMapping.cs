using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// A port to publish: <c>-p [hostIp:][hostPort:]containerPort[/tcp|udp]</c>.
/// A <see cref="HostPort"/> of 0 asks the agent to choose one from its host port range;
/// a null <see cref="HostIp"/> publishes on every address of the host.
/// </summary>
public sealed record PortMapping(string? HostIp, int HostPort, int ContainerPort, PortProtocol Protocol = PortProtocol.Tcp)
{
    /// <summary>
    /// Parses Docker's <c>-p</c> syntax: <c>80</c>, <c>8080:80</c>, <c>8080:80/udp</c>,
    /// <c>127.0.0.1:8080:80</c>, <c>127.0.0.1::80</c>.
    /// </summary>
    /// <exception cref="InvalidPortMappingException">The text is not a valid mapping.</exception>
    public static PortMapping Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        var protocol = PortProtocol.Tcp;
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = ParseProtocol(text[(slash + 1)..], spec);
            text = text[..slash];
        }

        var parts = text.Split(':');
        return parts.Length switch
        {
            1 => new PortMapping(null, 0, ParsePort(parts[0], spec, "container"), protocol),
            2 => new PortMapping(null, ParseHostPort(parts[0], spec), ParsePort(parts[1], spec, "container"), protocol),
            3 => new PortMapping(ParseHostIp(parts[0], spec), ParseHostPort(parts[1], spec), ParsePort(parts[2], spec, "container"), protocol),
            _ => throw new InvalidPortMappingException(
                $"port mapping '{spec}' is not valid: use [hostIp:][hostPort:]containerPort[/tcp|udp], e.g. 8080:80/tcp"),
        };
    }

    /// <summary>Parses <c>tcp</c> or <c>udp</c> (any case).</summary>
    /// <exception cref="InvalidPortMappingException">Any other protocol.</exception>
    public static PortProtocol ParseProtocol(string text, string? context = null) => text.Trim().ToUpperInvariant() switch
    {
        "TCP" => PortProtocol.Tcp,
        "UDP" => PortProtocol.Udp,
        _ => throw new InvalidPortMappingException(
            $"port mapping '{context ?? text}' has protocol '{text}': only tcp and udp can be published"),
    };

    /// <summary>Checks ports, protocol and host address; throws a message naming what is wrong.</summary>
    /// <exception cref="InvalidPortMappingException">A port outside 1-65535, an unknown protocol or a host address that is not IPv4.</exception>
    public void Validate()
    {
        var shown = ToString();
        if (ContainerPort is < 1 or > 65535)
        {
            throw new InvalidPortMappingException($"port mapping '{shown}': container port {ContainerPort} is outside 1-65535");
        }

        if (HostPort is < 0 or > 65535)
        {
            throw new InvalidPortMappingException($"port mapping '{shown}': host port {HostPort} is outside 1-65535 (0 lets the agent choose)");
        }

        if (!Enum.IsDefined(Protocol))
        {
            throw new InvalidPortMappingException($"port mapping '{shown}': protocol {(int)Protocol} is neither tcp nor udp");
        }

        if (HostIp is not null)
        {
            _ = ParseHostIp(HostIp, shown);
        }
    }

    public override string ToString()
    {
        var protocol = Protocol == PortProtocol.Udp ? "udp" : "tcp";
        var host = HostIp is null ? (HostPort == 0 ? "" : $"{HostPort}:") : $"{HostIp}:{(HostPort == 0 ? "" : HostPort)}:";
        return $"{host}{ContainerPort}/{protocol}";
    }

    private static int ParseHostPort(string text, string spec) => text.Length == 0 ? 0 : ParsePort(text, spec, "host");

    private static int ParsePort(string text, string spec, string which)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new InvalidPortMappingException($"port mapping '{spec}': {which} port '{text}' is not a number in 1-65535");
        }

        return port;
    }

    private static string? ParseHostIp(string text, string spec)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new InvalidPortMappingException($"port mapping '{spec}': host address '{text}' is not an IPv4 address");
        }

        return address.Equals(IPAddress.Any) ? null : address.ToString();
    }
}

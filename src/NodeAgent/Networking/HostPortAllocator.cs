namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// Resolves a container's requested ports to host ports: a fixed port must be free, a port of 0 gets the
/// lowest free port of the range. Free means no other container publishes it and no process on the host
/// has it bound, on the same protocol and an overlapping address (a wildcard overlaps everything).
/// </summary>
internal static class HostPortAllocator
{
    public static IReadOnlyList<PublishedPort> Resolve(
        IReadOnlyList<PortMapping> requested,
        IEnumerable<(string ContainerId, PublishedPort Port)> published,
        IReadOnlyList<ListeningSocket> bound,
        int rangeStart,
        int rangeEnd)
    {
        var taken = published.ToList();
        var resolved = new List<PublishedPort>();
        var result = new PublishedPort[requested.Count];

        // Fixed ports first, so a port chosen from the range never takes one asked for explicitly.
        foreach (var index in Enumerable.Range(0, requested.Count).OrderBy(i => requested[i].HostPort == 0 ? 1 : 0))
        {
            var mapping = requested[index];
            var hostIp = mapping.HostIp ?? "0.0.0.0";
            var port = mapping.HostPort;
            if (port != 0)
            {
                if (FindConflict(mapping.Protocol, hostIp, port, taken, resolved, bound) is { } conflict)
                {
                    throw new PortInUseException(
                        $"cannot publish {mapping}: host port {hostIp}:{port}/{Name(mapping.Protocol)} is already {conflict}; choose another host port or omit it to get a free one");
                }
            }
            else
            {
                port = Enumerable.Range(rangeStart, rangeEnd - rangeStart + 1)
                    .FirstOrDefault(candidate => FindConflict(mapping.Protocol, hostIp, candidate, taken, resolved, bound) is null);
                if (port == 0)
                {
                    throw new PortInUseException(
                        $"cannot publish {mapping}: every host port in {rangeStart}-{rangeEnd} is in use; choose a host port or free one");
                }
            }

            result[index] = new PublishedPort(hostIp, port, mapping.ContainerPort, mapping.Protocol);
            resolved.Add(result[index]);
        }

        return result;
    }

    private static string? FindConflict(PortProtocol protocol, string hostIp, int port, List<(string ContainerId, PublishedPort Port)> taken,
        List<PublishedPort> resolved, IReadOnlyList<ListeningSocket> bound)
    {
        foreach (var (containerId, existing) in taken)
        {
            if (existing.Protocol == protocol && existing.HostPort == port && Overlaps(existing.HostIp, hostIp))
            {
                return $"published by container {containerId[..Math.Min(12, containerId.Length)]}";
            }
        }

        if (resolved.Any(r => r.Protocol == protocol && r.HostPort == port && Overlaps(r.HostIp, hostIp)))
        {
            return "published twice by this container";
        }

        if (bound.Any(s => s.Protocol == protocol && s.Port == port && Overlaps(s.Address ?? "0.0.0.0", hostIp)))
        {
            return "bound by another process on the host";
        }

        return null;
    }

    private static bool Overlaps(string a, string b) => a == "0.0.0.0" || b == "0.0.0.0" || a == b;

    private static string Name(PortProtocol protocol) => protocol == PortProtocol.Udp ? "udp" : "tcp";
}

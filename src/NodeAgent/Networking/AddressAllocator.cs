namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// IPAM over one subnet: hands out the next free address after the last one handed out, wrapping
/// around, so an address just freed (possibly still in peers' ARP caches or conntrack) is reused last.
/// </summary>
internal static class AddressAllocator
{
    public static uint Allocate(Ipv4Subnet subnet, IEnumerable<string> inUse, string? lastAddress)
    {
        var used = inUse.Select(Ipv4Subnet.ParseAddress).ToHashSet();
        var first = subnet.FirstContainerAddress;
        var last = subnet.LastContainerAddress;
        var count = last - first + 1;
        var start = first;
        if (lastAddress is not null && subnet.Contains(Ipv4Subnet.ParseAddress(lastAddress)))
        {
            var previous = Ipv4Subnet.ParseAddress(lastAddress);
            start = previous >= last || previous < first ? first : previous + 1;
        }

        for (uint step = 0; step < count; step++)
        {
            var candidate = first + ((start - first + step) % count);
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new NetworkingException($"subnet {subnet} has no free address left ({count} in use); remove containers or give the host a larger subnet");
    }
}

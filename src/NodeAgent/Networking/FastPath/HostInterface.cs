using System.Globalization;
using System.Text.Json;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>One interface of the host's namespace as <c>ip -j addr show</c> lists it.</summary>
internal sealed record HostInterface(string Name, int Index, byte[] Mac, IReadOnlyList<uint> Ipv4Addresses)
{
    public static IReadOnlyList<HostInterface> ParseIpJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var interfaces = new List<HostInterface>();
        foreach (var link in document.RootElement.EnumerateArray())
        {
            var addresses = new List<uint>();
            if (link.TryGetProperty("addr_info", out var info))
            {
                foreach (var address in info.EnumerateArray())
                {
                    if (address.TryGetProperty("family", out var family) && family.GetString() == "inet"
                        && address.TryGetProperty("local", out var local) && local.GetString() is { } text)
                    {
                        addresses.Add(Ipv4Subnet.ParseAddress(text));
                    }
                }
            }

            var mac = link.TryGetProperty("address", out var macText) && macText.GetString() is { Length: 17 } m ? ParseMac(m) : new byte[6];
            interfaces.Add(new HostInterface(link.GetProperty("ifname").GetString() ?? "", link.GetProperty("ifindex").GetInt32(), mac, addresses));
        }

        return interfaces;
    }

    public static byte[] ParseMac(string text) =>
        text.Split(':').Select(part => byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
}

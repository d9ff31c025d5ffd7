using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Flotilla.NodeAgent.Networking;

/// <summary>An IPv4 subnet in CIDR form; addresses are host-order integers so they can be counted.</summary>
internal readonly record struct Ipv4Subnet(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    /// <summary>The bridge's address: the first host address.</summary>
    public uint Gateway => Network + 1;

    /// <summary>The first address handed to a container.</summary>
    public uint FirstContainerAddress => Network + 2;

    public uint LastContainerAddress => Broadcast - 1;

    public static bool TryParse(string? text, out Ipv4Subnet subnet, out string error)
    {
        subnet = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0)
        {
            error = $"'{text}' is not in CIDR form (e.g. 10.88.0.0/16)";
            return false;
        }

        if (!IPAddress.TryParse(text[..slash], out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            error = $"'{text[..slash]}' is not an IPv4 address";
            return false;
        }

        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 8 or > 29)
        {
            error = $"prefix length '{text[(slash + 1)..]}' must be 8-29 (room for a gateway and containers)";
            return false;
        }

        var value = ToUInt32(address);
        var candidate = new Ipv4Subnet(value, prefix);
        if ((value & candidate.Mask) != value)
        {
            error = $"'{text}' has host bits set; did you mean {Format(value & candidate.Mask)}/{prefix}?";
            return false;
        }

        subnet = candidate;
        error = "";
        return true;
    }

    public static Ipv4Subnet Parse(string text) =>
        TryParse(text, out var subnet, out var error) ? subnet : throw new FormatException(error);

    public static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    public static uint ParseAddress(string text) => ToUInt32(IPAddress.Parse(text));

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    public bool Contains(uint address) => (address & Mask) == Network;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Format(Network)}/{PrefixLength}");
}

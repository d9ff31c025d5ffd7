using System.Buffers.Binary;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// The fast path's three maps, pinned in bpffs so they (and the programs using them) outlive the agent:
/// <c>addresses</c> (the external interfaces' own addresses), <c>published</c> (proto + host port → container)
/// and <c>flows</c> (an LRU of connections the ingress program took, for their replies).
/// </summary>
internal sealed class FastPathMaps : IDisposable
{
    public const int AddressKeySize = 8;
    public const int PublishedKeySize = 4;
    public const int PublishedValueSize = 40;
    public const int FlowKeySize = 16;
    public const int FlowValueSize = 12;

    /// <summary>
    /// Connections the fast path can carry at once. An evicted flow is recorded again by the client's next packet,
    /// but replies sent in between would leave untranslated: size it above the host's concurrent connections.
    /// </summary>
    public const int FlowCapacity = 65536;

    /// <summary>The maps' pin names in the pin directory.</summary>
    public static readonly IReadOnlyList<string> Names = ["addresses", "published", "flows"];

    private FastPathMaps(BpfHandle addresses, BpfHandle published, BpfHandle flows)
    {
        Addresses = addresses;
        Published = published;
        Flows = flows;
    }

    public BpfHandle Addresses { get; }

    public BpfHandle Published { get; }

    public BpfHandle Flows { get; }

    /// <summary>Opens the maps pinned in <paramref name="directory"/>, creating (and pinning) those that are missing.</summary>
    public static FastPathMaps OpenOrCreate(string directory)
    {
        var addresses = OpenOrCreate(directory, "addresses", BpfSyscall.MapTypeHash, AddressKeySize, 4, 256, 0);
        var published = OpenOrCreate(directory, "published", BpfSyscall.MapTypeHash, PublishedKeySize, PublishedValueSize, 4096, BpfSyscall.MapFlagNoPrealloc);
        var flows = OpenOrCreate(directory, "flows", BpfSyscall.MapTypeLruHash, FlowKeySize, FlowValueSize, FlowCapacity, 0);
        return new FastPathMaps(addresses, published, flows);
    }

    public static byte[] AddressKey(int ifindex, uint address)
    {
        var key = new byte[AddressKeySize];
        BinaryPrimitives.WriteInt32LittleEndian(key, ifindex);
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(4), address);
        return key;
    }

    public static byte[] PublishedKey(PortProtocol protocol, int hostPort)
    {
        var key = new byte[PublishedKeySize];
        key[0] = Protocol(protocol);
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(2), (ushort)hostPort);
        return key;
    }

    /// <summary>The published entry; the packet counter (bytes 32-39) is zero and kept by the caller when it updates.</summary>
    public static byte[] PublishedValue(uint containerAddress, int containerPort, int vethIfindex, uint hostAddress, ReadOnlySpan<byte> containerMac, ReadOnlySpan<byte> bridgeMac)
    {
        var value = new byte[PublishedValueSize];
        BinaryPrimitives.WriteUInt32BigEndian(value, containerAddress);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(4), (ushort)containerPort);
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(8), vethIfindex);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(12), hostAddress);
        containerMac.CopyTo(value.AsSpan(16, 6));
        bridgeMac.CopyTo(value.AsSpan(22, 6));
        return value;
    }

    /// <summary>The packets the ingress program carried for an entry.</summary>
    public static ulong PacketCount(ReadOnlySpan<byte> publishedValue) => BinaryPrimitives.ReadUInt64LittleEndian(publishedValue[32..]);

    /// <summary>The container address a flow key names.</summary>
    public static uint FlowContainer(ReadOnlySpan<byte> flowKey) => BinaryPrimitives.ReadUInt32BigEndian(flowKey[4..]);

    public static byte Protocol(PortProtocol protocol) => protocol == PortProtocol.Udp ? (byte)17 : (byte)6;

    public void Dispose()
    {
        Addresses.Dispose();
        Published.Dispose();
        Flows.Dispose();
    }

    private static BpfHandle OpenOrCreate(string directory, string name, uint type, int keySize, int valueSize, int maxEntries, uint flags)
    {
        var path = Path.Combine(directory, name);
        if (BpfSyscall.OpenPinned(path) is { } pinned)
        {
            return pinned;
        }

        var map = BpfSyscall.CreateMap(type, keySize, valueSize, maxEntries, flags, $"flt_{name}");
        BpfSyscall.Pin(map, path);
        return map;
    }
}

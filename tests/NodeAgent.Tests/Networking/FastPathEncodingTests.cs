using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Networking.FastPath;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>The fast path's instruction encoding, map layouts and interface listing, without the kernel.</summary>
[Trait("Category", "Unit")]
public sealed class FastPathEncodingTests
{
    [Fact]
    public void Jumps_CountFromTheNextInstruction_AndAMapLoadTakesTwoSlots()
    {
        var program = new BpfProgramBuilder()
            .Mov(BpfProgramBuilder.R0, 0)
            .JumpIfEqual(BpfProgramBuilder.R1, 6, "end")
            .Mov(BpfProgramBuilder.R0, -1)
            .Label("end")
            .Exit()
            .Build();

        Assert.Equal(4, program.Length);
        Assert.Equal(1, program[1].Offset);
        Assert.Equal(6, program[1].Immediate);
        Assert.Equal(0x15, program[1].Code);           // BPF_JMP | BPF_JEQ | BPF_K
        Assert.Equal(0x01, program[1].Registers);      // dst R1, src R0
        Assert.Equal(-1, program[2].Immediate);
        Assert.Equal(0x95, program[3].Code);           // BPF_JMP | BPF_EXIT
    }

    [Fact]
    public void JumpToAMissingLabel_IsAnError()
    {
        var builder = new BpfProgramBuilder().Goto("nowhere").Exit();

        Assert.Throws<InvalidOperationException>(builder.Build);
    }

    [Fact]
    public void PublishedEntries_HoldPortsAndAddressesInNetworkOrder()
    {
        var key = FastPathMaps.PublishedKey(PortProtocol.Udp, 0x1234);
        var value = FastPathMaps.PublishedValue(Ipv4Subnet.ParseAddress("10.77.0.2"), 80, 7, 0,
            HostInterface.ParseMac("02:42:0a:4d:00:02"), HostInterface.ParseMac("aa:bb:cc:dd:ee:ff"));

        Assert.Equal(new byte[] { 17, 0, 0x12, 0x34 }, key);
        Assert.Equal(new byte[] { 10, 77, 0, 2, 0, 80, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0 }, value[..16]);
        Assert.Equal(new byte[] { 0x02, 0x42, 0x0a, 0x4d, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff }, value[16..28]);
        Assert.Equal(0UL, FastPathMaps.PacketCount(value));
    }

    [Fact]
    public void IpJson_GivesEachInterfacesIndexMacAndIpv4Addresses()
    {
        const string json = """
            [{"ifindex":1,"ifname":"lo","address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifindex":5,"ifname":"uplink","address":"4a:11:22:33:44:55","addr_info":[{"family":"inet","local":"198.18.0.1","prefixlen":24},
               {"family":"inet6","local":"fe80::1","prefixlen":64},{"family":"inet","local":"198.18.1.1","prefixlen":24}]},
             {"ifindex":9,"ifname":"flt0123456789","address":"7e:00:00:00:00:01","addr_info":[]}]
            """;

        var interfaces = HostInterface.ParseIpJson(json);

        Assert.Equal(["lo", "uplink", "flt0123456789"], interfaces.Select(i => i.Name));
        var uplink = interfaces[1];
        Assert.Equal(5, uplink.Index);
        Assert.Equal(new byte[] { 0x4a, 0x11, 0x22, 0x33, 0x44, 0x55 }, uplink.Mac);
        Assert.Equal([Ipv4Subnet.ParseAddress("198.18.0.1"), Ipv4Subnet.ParseAddress("198.18.1.1")], uplink.Ipv4Addresses);
        Assert.Empty(interfaces[2].Ipv4Addresses);
    }
}

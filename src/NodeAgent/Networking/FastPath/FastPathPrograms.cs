using static Flotilla.NodeAgent.Networking.FastPath.BpfProgramBuilder;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// The two tc programs of the published-port fast path. Both handle only plain IPv4 TCP/UDP (no IP options, no
/// fragments) and return TCX_NEXT for anything else, so the next tcx program and then the kernel's usual path (the
/// agent's nftables rules) see it unchanged.
/// </summary>
/// <remarks>
/// Packet offsets assume Ethernet + a 20-byte IPv4 header: IP checksum 24, saddr 26, daddr 30, sport 34, dport 36,
/// UDP checksum 40, TCP checksum 50. Multi-byte fields are moved as the raw bytes of the packet (network order)
/// and compared with map entries written in the same order.
/// </remarks>
internal static class FastPathPrograms
{
    /// <summary>tcx: pass the packet on to the next program, then the stack (TC_ACT_UNSPEC).</summary>
    private const int TcxNext = -1;

    private const short SkbIfindex = 40;   // struct __sk_buff.ifindex
    private const short SkbData = 76;      // struct __sk_buff.data
    private const short SkbDataEnd = 80;   // struct __sk_buff.data_end
    private const int HeadersLength = 38;  // Ethernet 14 + IPv4 20 + both ports 4

    // Stack slots (offsets from the frame pointer).
    private const short AddressKey = -8;   // { u32 ifindex; be32 daddr }
    private const short PortKey = -12;     // { u8 proto; u8 pad; be16 hostPort }
    private const short FlowKey = -32;     // { be32 client; be32 container; be16 clientPort; be16 containerPort; u8 proto; u8 pad[3] }
    private const short FlowValue = -48;   // { be32 hostIp; be16 hostPort; u16 pad; u32 ifindex }
    private const short ChecksumFlags = -56;
    private const short Scratch = -64;
    private const short TcpFlags = -72;
    private const int TcpSyn = 0x02, TcpAck = 0x10;

    /// <summary>
    /// At ingress of an external interface: a packet to this interface's address and a published (proto, port) is
    /// DNATed to the container without any connection tracking, its flow recorded for the replies, its MACs set
    /// for the container's eth0, and it is handed straight to eth0 (bpf_redirect_peer: no host routing, netfilter,
    /// bridge or backlog pass).
    /// </summary>
    public static BpfInstruction[] Ingress(FastPathMaps maps)
    {
        var p = new BpfProgramBuilder();
        p.MovReg(R6, R1);                                   // R6 = skb for the whole program
        EmitParse(p);                                        // R2 = packet, R3 = its end, R7 = protocol, or TCX_NEXT

        // TCP flags (0 for UDP), for forgetting stale flows below.
        p.StoreImm(BpfOp.DW, Fp, TcpFlags, 0).JumpIfNotEqual(R7, 6, "flags-read");
        p.MovReg(R4, R2).Add(R4, 48).JumpIfGreaterReg(R4, R3, "next");
        p.Load(BpfOp.B, R4, R2, 47).Store(BpfOp.DW, Fp, TcpFlags, R4);
        p.Label("flags-read");

        // Keys and the flow's value, from the packet, before any helper call invalidates packet pointers.
        p.Load(BpfOp.W, R4, R6, SkbIfindex).Store(BpfOp.W, Fp, AddressKey, R4);
        p.Load(BpfOp.W, R8, R2, 30).Store(BpfOp.W, Fp, AddressKey + 4, R8);              // R8 = daddr (the host's)
        p.Store(BpfOp.W, Fp, PortKey, R7);                                               // proto, pad
        p.Load(BpfOp.H, R4, R2, 36).Store(BpfOp.H, Fp, PortKey + 2, R4);                 // host port
        p.Load(BpfOp.W, R4, R2, 26).Store(BpfOp.W, Fp, FlowKey, R4);                     // client address
        p.Load(BpfOp.H, R4, R2, 34).Store(BpfOp.H, Fp, FlowKey + 8, R4);                 // client port
        p.Store(BpfOp.W, Fp, FlowKey + 12, R7);                                          // proto, pad
        p.Store(BpfOp.W, Fp, FlowValue, R8);                                             // host address
        p.Load(BpfOp.H, R4, R2, 36).Store(BpfOp.W, Fp, FlowValue + 4, R4);               // host port, pad
        p.Load(BpfOp.W, R4, R6, SkbIfindex).Store(BpfOp.W, Fp, FlowValue + 8, R4);       // the interface it came in on

        // Only traffic to this interface's own address.
        p.LoadMap(R1, maps.Addresses).MovReg(R2, Fp).Add(R2, AddressKey).Call(BpfOp.MapLookupElem);
        p.JumpIfEqual(R0, 0, "not-published");

        // Only published ports: R9 = the entry { be32 ip; be16 port; u16; u32 veth; be32 hostIp; u8 macs[12]; u32; u64 packets }.
        p.LoadMap(R1, maps.Published).MovReg(R2, Fp).Add(R2, PortKey).Call(BpfOp.MapLookupElem);
        p.JumpIfEqual(R0, 0, "not-published");
        p.MovReg(R9, R0);
        p.Load(BpfOp.W, R4, R9, 12).JumpIfEqual(R4, 0, "any-address");                  // published on one host address only?
        p.JumpIfNotEqualReg(R4, R8, "not-published");
        p.Label("any-address");
        p.Mov(R4, 1).AtomicAdd64(R9, 32, R4);                                            // count it (tests and operators see the path used)

        // Record the flow (client, container) → (host address, host port, interface) for the reply program,
        // unless the same record is there already.
        p.Load(BpfOp.W, R4, R9, 0).Store(BpfOp.W, Fp, FlowKey + 4, R4);                  // container address
        p.Load(BpfOp.H, R4, R9, 4).Store(BpfOp.H, Fp, FlowKey + 10, R4);                 // container port
        p.LoadMap(R1, maps.Flows).MovReg(R2, Fp).Add(R2, FlowKey).Call(BpfOp.MapLookupElem);
        p.JumpIfEqual(R0, 0, "record");
        for (short field = 0; field < 12; field += 4)
        {
            p.Load(BpfOp.W, R4, R0, field).Load(BpfOp.W, R5, Fp, (short)(FlowValue + field)).JumpIfNotEqualReg(R4, R5, "record");
        }

        p.Goto("rewrite");
        p.Label("record");
        p.LoadMap(R1, maps.Flows).MovReg(R2, Fp).Add(R2, FlowKey).MovReg(R3, Fp).Add(R3, FlowValue).Mov(R4, 0).Call(BpfOp.MapUpdateElem);

        // DNAT: destination address and port, with the IP and L4 checksums, then the container's MAC.
        p.Label("rewrite");
        EmitRewrite(p, addressOffset: 30, portOffset: 36, oldPort: PortKey + 2);
        p.MovReg(R1, R6).Mov(R2, 0).MovReg(R3, R9).Add(R3, 16).Mov(R4, 12).Mov(R5, 0).Call(BpfOp.SkbStoreBytes);

        // Straight into the container's eth0, the peer of its host-side veth.
        p.Load(BpfOp.W, R1, R9, 8).Mov(R2, 0).Call(BpfOp.RedirectPeer).Exit();

        // Not for the fast path. A new TCP connection (SYN) may reuse the 4-tuple of a flow recorded earlier, when the
        // client reaches the container directly (a route to the containers' subnet): forget that flow, or the reply
        // program would answer this connection as if it were the published port's.
        p.Label("not-published");
        p.Load(BpfOp.DW, R4, Fp, TcpFlags).And(R4, TcpSyn | TcpAck).JumpIfNotEqual(R4, TcpSyn, "next");
        p.Store(BpfOp.W, Fp, FlowKey + 4, R8);                                           // the container's address, if it is one
        p.Load(BpfOp.H, R4, Fp, PortKey + 2).Store(BpfOp.H, Fp, FlowKey + 10, R4);       // and port
        p.LoadMap(R1, maps.Flows).MovReg(R2, Fp).Add(R2, FlowKey).Call(BpfOp.MapDeleteElem);
        p.Goto("next");

        EmitNext(p);
        return p.Build();
    }

    /// <summary>
    /// At ingress of a container's host-side veth: a packet of a flow the ingress program recorded (container →
    /// client) gets the host's address and port back as its source and leaves through the interface the flow came
    /// in on, MACs from the neighbour table (bpf_redirect_neigh). Any other packet (replies to connections the
    /// nftables path tracks, hairpin, container to container, outbound) goes on unchanged.
    /// </summary>
    public static BpfInstruction[] Reply(FastPathMaps maps)
    {
        var p = new BpfProgramBuilder();
        p.MovReg(R6, R1);
        EmitParse(p);

        p.Load(BpfOp.W, R4, R2, 30).Store(BpfOp.W, Fp, FlowKey, R4);                     // client address (daddr)
        p.Load(BpfOp.W, R8, R2, 26).Store(BpfOp.W, Fp, FlowKey + 4, R8);                 // R8 = container address (saddr)
        p.Load(BpfOp.H, R4, R2, 36).Store(BpfOp.H, Fp, FlowKey + 8, R4);                 // client port (dport)
        p.Load(BpfOp.H, R4, R2, 34).Store(BpfOp.H, Fp, FlowKey + 10, R4);                // container port (sport)
        p.Store(BpfOp.W, Fp, FlowKey + 12, R7);

        p.LoadMap(R1, maps.Flows).MovReg(R2, Fp).Add(R2, FlowKey).Call(BpfOp.MapLookupElem);
        p.JumpIfEqual(R0, 0, "next");
        p.MovReg(R9, R0);                                                                // R9 = { hostIp; hostPort; pad; ifindex }

        // SNAT back: source address and port, with both checksums.
        EmitRewrite(p, addressOffset: 26, portOffset: 34, oldPort: FlowKey + 10);

        // Out of the interface the flow came in on; the kernel fills in the MACs of the route's next hop.
        p.Load(BpfOp.W, R1, R9, 8).Mov(R2, 0).Mov(R3, 0).Mov(R4, 0).Call(BpfOp.RedirectNeigh).Exit();

        EmitNext(p);
        return p.Build();
    }

    /// <summary>Checks the headers; leaves R2 = packet start, R3 = packet end and R7 = IP protocol (6 or 17), else jumps to "next".</summary>
    private static void EmitParse(BpfProgramBuilder p)
    {
        p.Load(BpfOp.W, R2, R6, SkbData).Load(BpfOp.W, R3, R6, SkbDataEnd);
        p.MovReg(R4, R2).Add(R4, HeadersLength).JumpIfGreaterReg(R4, R3, "next");      // headers not in the linear part
        p.Load(BpfOp.H, R4, R2, 12).JumpIfNotEqual(R4, 0x0008, "next");                  // EtherType IPv4 (0x0800, network order)
        p.Load(BpfOp.B, R4, R2, 14).JumpIfNotEqual(R4, 0x45, "next");                    // version 4, 20-byte header (no options)
        p.Load(BpfOp.H, R4, R2, 20).And(R4, 0xff3f).JumpIfNotEqual(R4, 0, "next");       // not a fragment (MF or an offset)
        p.Load(BpfOp.B, R7, R2, 23).JumpIfEqual(R7, 6, "l4");                            // TCP
        p.JumpIfNotEqual(R7, 17, "next");                                                // or UDP
        p.Label("l4");
    }

    /// <summary>
    /// Rewrites one address and port of the packet, fixing the IP checksum and the L4 one (pseudo-header included):
    /// the old address is in R8 and the old port in the stack slot <paramref name="oldPort"/>; the new address and port
    /// are the first fields of the map value R9 points to (be32 at 0, be16 at 4).
    /// </summary>
    private static void EmitRewrite(BpfProgramBuilder p, short addressOffset, short portOffset, short oldPort)
    {
        EmitChecksumOffset(p);                                                           // R7 = L4 checksum offset
        p.MovReg(R1, R6).Mov(R2, 24).MovReg(R3, R8).Load(BpfOp.W, R4, R9, 0).Mov(R5, 4).Call(BpfOp.L3CsumReplace);
        p.MovReg(R1, R6).MovReg(R2, R7).MovReg(R3, R8).Load(BpfOp.W, R4, R9, 0)
            .Load(BpfOp.DW, R5, Fp, ChecksumFlags).Or(R5, BpfOp.CsumPseudoHeader | 4).Call(BpfOp.L4CsumReplace);
        p.Load(BpfOp.W, R4, R9, 0).Store(BpfOp.W, Fp, Scratch, R4);
        p.MovReg(R1, R6).Mov(R2, addressOffset).MovReg(R3, Fp).Add(R3, Scratch).Mov(R4, 4).Mov(R5, 0).Call(BpfOp.SkbStoreBytes);
        p.MovReg(R1, R6).MovReg(R2, R7).Load(BpfOp.H, R3, Fp, oldPort).Load(BpfOp.H, R4, R9, 4)
            .Load(BpfOp.DW, R5, Fp, ChecksumFlags).Or(R5, 2).Call(BpfOp.L4CsumReplace);
        p.Load(BpfOp.H, R4, R9, 4).Store(BpfOp.H, Fp, Scratch, R4);
        p.MovReg(R1, R6).Mov(R2, portOffset).MovReg(R3, Fp).Add(R3, Scratch).Mov(R4, 2).Mov(R5, 0).Call(BpfOp.SkbStoreBytes);
    }

    /// <summary>R7 = offset of the L4 checksum; the stack slot gets the extra checksum flags (UDP's "0 means none").</summary>
    private static void EmitChecksumOffset(BpfProgramBuilder p)
    {
        p.StoreImm(BpfOp.DW, Fp, ChecksumFlags, 0);
        p.JumpIfEqual(R7, 6, "tcp");
        p.Mov(R7, 40).StoreImm(BpfOp.DW, Fp, ChecksumFlags, BpfOp.CsumMangledZero).Goto("checksum");
        p.Label("tcp");
        p.Mov(R7, 50);
        p.Label("checksum");
    }

    private static void EmitNext(BpfProgramBuilder p) => p.Label("next").Mov(R0, TcxNext).Exit();
}

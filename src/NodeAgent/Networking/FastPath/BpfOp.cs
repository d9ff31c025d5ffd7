namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>eBPF opcode parts (instruction class, size, mode, operation, source) and the helper ids the fast path calls.</summary>
internal static class BpfOp
{
    // Instruction classes.
    public const byte Ld = 0x00;
    public const byte Ldx = 0x01;
    public const byte St = 0x02;
    public const byte Stx = 0x03;
    public const byte Alu = 0x04;
    public const byte Jmp = 0x05;
    public const byte Alu64 = 0x07;

    // Memory access sizes and modes.
    public const byte W = 0x00;
    public const byte H = 0x08;
    public const byte B = 0x10;
    public const byte DW = 0x18;
    public const byte Imm = 0x00;
    public const byte Mem = 0x60;
    public const byte Atomic = 0xc0;

    // ALU operations and jump conditions.
    public const byte Add = 0x00;
    public const byte Or = 0x40;
    public const byte And = 0x50;
    public const byte Mov = 0xb0;
    public const byte Ja = 0x00;
    public const byte Jeq = 0x10;
    public const byte Jgt = 0x20;
    public const byte Jne = 0x50;
    public const byte Call = 0x80;
    public const byte Exit = 0x90;

    // Operand source: the immediate or a register.
    public const byte K = 0x00;
    public const byte X = 0x08;

    /// <summary>src_reg of a 64-bit immediate load that names a map by file descriptor.</summary>
    public const byte PseudoMapFd = 1;

    // Helpers (enum bpf_func_id).
    public const int MapLookupElem = 1;
    public const int MapUpdateElem = 2;
    public const int MapDeleteElem = 3;
    public const int SkbStoreBytes = 9;
    public const int L3CsumReplace = 10;
    public const int L4CsumReplace = 11;
    public const int RedirectNeigh = 152;
    public const int RedirectPeer = 155;

    // Helper flags.
    public const int CsumPseudoHeader = 0x10;   // BPF_F_PSEUDO_HDR: the field is part of the pseudo header (an address)
    public const int CsumMangledZero = 0x20;    // BPF_F_MARK_MANGLED_0: a UDP checksum of 0 means "none"; keep it
}

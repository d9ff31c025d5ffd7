using System.Runtime.InteropServices;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>One eBPF instruction as the kernel reads it (<c>struct bpf_insn</c>, 8 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal readonly struct BpfInstruction(byte code, byte destination, byte source, short offset, int immediate)
{
    public readonly byte Code = code;

    /// <summary>Destination register in the low nibble, source register in the high one.</summary>
    public readonly byte Registers = (byte)((destination & 0xf) | ((source & 0xf) << 4));

    public readonly short Offset = offset;

    public readonly int Immediate = immediate;
}

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// Emits eBPF instructions one readable call at a time, with named forward labels for jumps. Registers follow the
/// eBPF calling convention: R0 return value, R1-R5 helper arguments (clobbered by calls), R6-R9 kept across calls,
/// R10 the read-only frame pointer.
/// </summary>
internal sealed class BpfProgramBuilder
{
    public const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, Fp = 10;

    private readonly List<BpfInstruction> _instructions = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly List<(int Index, string Label)> _jumps = [];

    /// <summary>dst = imm (64-bit move of a sign-extended 32-bit immediate).</summary>
    public BpfProgramBuilder Mov(byte dst, int imm) => Emit(BpfOp.Alu64 | BpfOp.Mov | BpfOp.K, dst, 0, 0, imm);

    /// <summary>dst = src.</summary>
    public BpfProgramBuilder MovReg(byte dst, byte src) => Emit(BpfOp.Alu64 | BpfOp.Mov | BpfOp.X, dst, src, 0, 0);

    /// <summary>dst += imm.</summary>
    public BpfProgramBuilder Add(byte dst, int imm) => Emit(BpfOp.Alu64 | BpfOp.Add | BpfOp.K, dst, 0, 0, imm);

    /// <summary>dst &amp;= imm.</summary>
    public BpfProgramBuilder And(byte dst, int imm) => Emit(BpfOp.Alu64 | BpfOp.And | BpfOp.K, dst, 0, 0, imm);

    /// <summary>dst |= imm.</summary>
    public BpfProgramBuilder Or(byte dst, int imm) => Emit(BpfOp.Alu64 | BpfOp.Or | BpfOp.K, dst, 0, 0, imm);

    /// <summary>dst = *(size *)(src + offset); size is <see cref="BpfOp.B"/>, <see cref="BpfOp.H"/>, <see cref="BpfOp.W"/> or <see cref="BpfOp.DW"/>.</summary>
    public BpfProgramBuilder Load(byte size, byte dst, byte src, short offset) => Emit((byte)(BpfOp.Ldx | BpfOp.Mem | size), dst, src, offset, 0);

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public BpfProgramBuilder Store(byte size, byte dst, short offset, byte src) => Emit((byte)(BpfOp.Stx | BpfOp.Mem | size), dst, src, offset, 0);

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public BpfProgramBuilder StoreImm(byte size, byte dst, short offset, int imm) => Emit((byte)(BpfOp.St | BpfOp.Mem | size), dst, 0, offset, imm);

    /// <summary>Atomically *(u64 *)(dst + offset) += src.</summary>
    public BpfProgramBuilder AtomicAdd64(byte dst, short offset, byte src) => Emit(BpfOp.Stx | BpfOp.Atomic | BpfOp.DW, dst, src, offset, BpfOp.Add);

    /// <summary>dst = the map with file descriptor <paramref name="mapFd"/> (a two-slot 64-bit immediate load).</summary>
    public BpfProgramBuilder LoadMap(byte dst, BpfHandle map)
    {
        Emit(BpfOp.Ld | BpfOp.DW | BpfOp.Imm, dst, BpfOp.PseudoMapFd, 0, map.Fd);
        return Emit(0, 0, 0, 0, 0);
    }

    /// <summary>if dst == imm goto label.</summary>
    public BpfProgramBuilder JumpIfEqual(byte dst, int imm, string label) => Jump(BpfOp.Jmp | BpfOp.Jeq | BpfOp.K, dst, 0, imm, label);

    /// <summary>if dst != imm goto label.</summary>
    public BpfProgramBuilder JumpIfNotEqual(byte dst, int imm, string label) => Jump(BpfOp.Jmp | BpfOp.Jne | BpfOp.K, dst, 0, imm, label);

    /// <summary>if dst != src goto label.</summary>
    public BpfProgramBuilder JumpIfNotEqualReg(byte dst, byte src, string label) => Jump(BpfOp.Jmp | BpfOp.Jne | BpfOp.X, dst, src, 0, label);

    /// <summary>if dst &gt; src (unsigned) goto label.</summary>
    public BpfProgramBuilder JumpIfGreaterReg(byte dst, byte src, string label) => Jump(BpfOp.Jmp | BpfOp.Jgt | BpfOp.X, dst, src, 0, label);

    /// <summary>goto label.</summary>
    public BpfProgramBuilder Goto(string label) => Jump(BpfOp.Jmp | BpfOp.Ja, 0, 0, 0, label);

    /// <summary>R0 = helper(R1, ..., R5).</summary>
    public BpfProgramBuilder Call(int helper) => Emit(BpfOp.Jmp | BpfOp.Call, 0, 0, 0, helper);

    public BpfProgramBuilder Exit() => Emit(BpfOp.Jmp | BpfOp.Exit, 0, 0, 0, 0);

    /// <summary>Marks where the next instruction goes as <paramref name="name"/>.</summary>
    public BpfProgramBuilder Label(string name)
    {
        if (!_labels.TryAdd(name, _instructions.Count))
        {
            throw new InvalidOperationException($"label {name} is defined twice");
        }

        return this;
    }

    /// <summary>The program with every jump resolved.</summary>
    public BpfInstruction[] Build()
    {
        var program = _instructions.ToArray();
        foreach (var (index, label) in _jumps)
        {
            if (!_labels.TryGetValue(label, out var target))
            {
                throw new InvalidOperationException($"jump to undefined label {label}");
            }

            var jump = program[index];
            // Offsets count from the instruction after the jump.
            program[index] = new BpfInstruction(jump.Code, (byte)(jump.Registers & 0xf), (byte)(jump.Registers >> 4), checked((short)(target - index - 1)), jump.Immediate);
        }

        return program;
    }

    private BpfProgramBuilder Jump(int code, byte dst, byte src, int imm, string label)
    {
        _jumps.Add((_instructions.Count, label));
        return Emit(code, dst, src, 0, imm);
    }

    private BpfProgramBuilder Emit(int code, byte dst, byte src, short offset, int imm)
    {
        _instructions.Add(new BpfInstruction((byte)code, dst, src, offset, imm));
        return this;
    }
}

using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Linux;

/// <summary>One classic-BPF instruction (struct sock_filter).</summary>
internal readonly record struct BpfInstruction(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>
/// Compiles a spec's seccomp section into a BPF program for x86-64: check the architecture, then one
/// block per (syscall, rule) in the spec's order, then the default action. Rules with argument
/// conditions compare both 32-bit halves of the 64-bit argument.
/// </summary>
internal static class SeccompCompiler
{
    private const ushort LdW = 0x00 | 0x00 | 0x20, Jeq = 0x05 | 0x10 | 0x00, Jgt = 0x05 | 0x20, Jge = 0x05 | 0x30,
        Jset = 0x05 | 0x40, Ret = 0x06, Alu_And = 0x04 | 0x50;
    private const uint AuditArchX86_64 = 0xC000003E, AuditArchI386 = 0x40000003, X32Bit = 0x40000000;
    private const uint OffsetNr = 0, OffsetArch = 4, OffsetArgs = 16;

    public static uint Action(string name, int? errno, int defaultErrno = 1) => name switch
    {
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => 0x00000000,
        "SCMP_ACT_KILL_PROCESS" => 0x80000000,
        "SCMP_ACT_TRAP" => 0x00030000,
        "SCMP_ACT_ERRNO" => 0x00050000 | (uint)((errno ?? defaultErrno) & 0xffff),
        "SCMP_ACT_TRACE" => 0x7ff00000 | (uint)((errno ?? defaultErrno) & 0xffff),
        "SCMP_ACT_LOG" => 0x7ffc0000,
        "SCMP_ACT_ALLOW" => 0x7fff0000,
        _ => throw new RuntimeException($"config.json: linux.seccomp action \"{name}\" is not supported"),
    };

    public static IReadOnlyList<BpfInstruction> Compile(SeccompSpec spec)
    {
        var defaultAction = Action(spec.DefaultAction, spec.DefaultErrnoRet);
        foreach (var flag in spec.Flags ?? [])
        {
            if (flag is not ("SECCOMP_FILTER_FLAG_LOG" or "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
            {
                throw new RuntimeException($"config.json: linux.seccomp flag \"{flag}\" is not supported");
            }
        }
        foreach (var arch in spec.Architectures ?? [])
        {
            if (arch is not ("SCMP_ARCH_X86_64" or "SCMP_ARCH_X86" or "SCMP_ARCH_X32"))
            {
                // Profiles list every architecture they know; only ours matters on this host.
                continue;
            }
        }

        var program = new List<BpfInstruction>
        {
            // A syscall from another ABI (i386 through int 0x80) gets the default action; x32 too.
            new(LdW, 0, 0, OffsetArch),
            new(Jeq, 1, 0, AuditArchX86_64),
            new(Ret, 0, 0, defaultAction),
            new(LdW, 0, 0, OffsetNr),
            new(Jge, 0, 1, X32Bit),
            new(Ret, 0, 0, defaultAction),
        };
        foreach (var rule in spec.Syscalls ?? [])
        {
            var action = Action(rule.Action, rule.ErrnoRet, spec.DefaultErrnoRet ?? 1);
            foreach (var name in rule.Names ?? [])
            {
                if (!SyscallTable.X86_64.TryGetValue(name, out var nr))
                {
                    continue; // a name this architecture does not have (profiles list all ABIs)
                }
                var block = ArgumentChecks(rule.Args ?? [], action);
                if (block.Count > 255)
                {
                    throw new RuntimeException($"config.json: linux.seccomp rule for {name} has too many argument conditions");
                }
                program.Add(new BpfInstruction(Jeq, 0, (byte)block.Count, (uint)nr));
                program.AddRange(block);
            }
        }
        program.Add(new BpfInstruction(Ret, 0, 0, defaultAction));
        if (program.Count > 4096)
        {
            throw new RuntimeException($"config.json: linux.seccomp compiles to {program.Count} instructions, more than the kernel's 4096");
        }
        return program;
    }

    /// <summary>
    /// The instructions after a syscall-number match: each argument condition falls through when it
    /// holds and jumps past the block's end when it does not; the block ends by reloading the syscall
    /// number (so the next rule can test it) after a return of <paramref name="action"/>.
    /// </summary>
    private static List<BpfInstruction> ArgumentChecks(IReadOnlyList<SeccompArgSpec> args, uint action)
    {
        if (args.Count == 0)
        {
            return [new BpfInstruction(Ret, 0, 0, action)];
        }
        // Each condition is a list of instructions whose "fail" jumps are patched to the block end.
        var body = new List<(BpfInstruction Insn, bool FailJumpTrue, bool FailJumpFalse)>();
        foreach (var arg in args)
        {
            if (arg.Index > 5)
            {
                throw new RuntimeException($"config.json: linux.seccomp argument index {arg.Index} is above 5");
            }
            var lo = OffsetArgs + (arg.Index * 8);
            var hi = lo + 4;
            var value = arg.Value;
            switch (arg.Op)
            {
                case "SCMP_CMP_EQ":
                    body.Add((new(LdW, 0, 0, hi), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)(value >> 32)), false, true));
                    body.Add((new(LdW, 0, 0, lo), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)value), false, true));
                    break;
                case "SCMP_CMP_NE":
                    // Fails only when both halves are equal.
                    body.Add((new(LdW, 0, 0, hi), false, false));
                    body.Add((new(Jeq, 0, 2, (uint)(value >> 32)), false, false));
                    body.Add((new(LdW, 0, 0, lo), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)value), true, false));
                    break;
                case "SCMP_CMP_MASKED_EQ":
                    var mask = value;
                    var expected = arg.ValueTwo;
                    body.Add((new(LdW, 0, 0, hi), false, false));
                    body.Add((new(Alu_And, 0, 0, (uint)(mask >> 32)), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)(expected >> 32)), false, true));
                    body.Add((new(LdW, 0, 0, lo), false, false));
                    body.Add((new(Alu_And, 0, 0, (uint)mask), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)expected), false, true));
                    break;
                case "SCMP_CMP_GT" or "SCMP_CMP_GE":
                    // (hi > v.hi) or (hi == v.hi and lo >[=] v.lo)
                    body.Add((new(LdW, 0, 0, hi), false, false));
                    body.Add((new(Jgt, 3, 0, (uint)(value >> 32)), false, false));
                    body.Add((new(Jeq, 0, 0, (uint)(value >> 32)), false, true));
                    body.Add((new(LdW, 0, 0, lo), false, false));
                    body.Add((new(arg.Op == "SCMP_CMP_GT" ? Jgt : Jge, 0, 0, (uint)value), false, true));
                    break;
                case "SCMP_CMP_LT" or "SCMP_CMP_LE":
                    // the negation of GE / GT
                    body.Add((new(LdW, 0, 0, hi), false, false));
                    body.Add((new(Jgt, 0, 0, (uint)(value >> 32)), true, false));
                    body.Add((new(Jeq, 0, 2, (uint)(value >> 32)), false, false));
                    body.Add((new(LdW, 0, 0, lo), false, false));
                    body.Add((new(arg.Op == "SCMP_CMP_LT" ? Jge : Jgt, 0, 0, (uint)value), true, false));
                    break;
                default:
                    throw new RuntimeException($"config.json: linux.seccomp operator \"{arg.Op}\" is not supported");
            }
        }
        var instructions = new List<BpfInstruction>();
        var failTarget = body.Count + 1; // index just past the Ret
        for (var i = 0; i < body.Count; i++)
        {
            var (insn, failTrue, failFalse) = body[i];
            var distance = (byte)(failTarget - i - 1);
            instructions.Add(insn with
            {
                Jt = failTrue ? distance : insn.Jt,
                Jf = failFalse ? distance : insn.Jf,
            });
        }
        instructions.Add(new BpfInstruction(Ret, 0, 0, action));
        // A failed condition lands here: reload the syscall number for the rules that follow.
        instructions.Add(new BpfInstruction(LdW, 0, 0, OffsetNr));
        return instructions;
    }
}

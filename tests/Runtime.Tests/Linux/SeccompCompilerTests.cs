using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Tests.Linux;

[Trait("Category", "Unit")]
public sealed class SeccompCompilerTests
{
    private const uint Allow = 0x7fff0000, ErrnoEperm = 0x00050001, ArchX86_64 = 0xC000003E;

    /// <summary>Runs the classic-BPF program the way the kernel would on one seccomp_data.</summary>
    private static uint Evaluate(IReadOnlyList<BpfInstruction> program, int nr, ulong[]? args = null, uint arch = ArchX86_64)
    {
        var data = new byte[64];
        BitConverter.GetBytes(nr).CopyTo(data, 0);
        BitConverter.GetBytes(arch).CopyTo(data, 4);
        for (var i = 0; i < (args?.Length ?? 0); i++)
        {
            BitConverter.GetBytes(args![i]).CopyTo(data, 16 + (i * 8));
        }
        uint a = 0;
        for (var pc = 0; pc < program.Count; pc++)
        {
            var insn = program[pc];
            switch (insn.Code)
            {
                case 0x20: a = BitConverter.ToUInt32(data, (int)insn.K); break;
                case 0x54: a &= insn.K; break;
                case 0x06: return insn.K;
                case 0x05: pc += (int)insn.K; break;
                case 0x15: pc += a == insn.K ? insn.Jt : insn.Jf; break;
                case 0x25: pc += a > insn.K ? insn.Jt : insn.Jf; break;
                case 0x35: pc += a >= insn.K ? insn.Jt : insn.Jf; break;
                default: throw new InvalidOperationException($"unexpected BPF code {insn.Code:x}");
            }
        }
        throw new InvalidOperationException("the program fell off its end");
    }

    private static SeccompSpec Rule(string op, ulong value, ulong valueTwo = 0) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Syscalls = [new SeccompRuleSpec { Names = ["setpriority"], Action = "SCMP_ACT_ERRNO", Args = [new SeccompArgSpec { Index = 2, Value = value, ValueTwo = valueTwo, Op = op }] }],
    };

    [Fact]
    public void AllowList_DeniesEverythingElseWithEperm()
    {
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            DefaultErrnoRet = 1,
            Syscalls = [new SeccompRuleSpec { Names = ["read", "write", "no_such_syscall"], Action = "SCMP_ACT_ALLOW" }],
        });

        Assert.Equal(Allow, Evaluate(program, 0));
        Assert.Equal(Allow, Evaluate(program, 1));
        Assert.Equal(ErrnoEperm, Evaluate(program, 83)); // mkdir
    }

    [Fact]
    public void OtherArchitecture_GetsTheDefaultAction()
    {
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Syscalls = [new SeccompRuleSpec { Names = ["read"], Action = "SCMP_ACT_ALLOW" }],
        });

        Assert.Equal(ErrnoEperm, Evaluate(program, 0, arch: 0x40000003));
        Assert.Equal(ErrnoEperm, Evaluate(program, 0x40000000)); // x32 ABI
    }

    [Theory]
    [InlineData("SCMP_CMP_EQ", 5UL, 5UL, true)]
    [InlineData("SCMP_CMP_EQ", 5UL, 6UL, false)]
    [InlineData("SCMP_CMP_EQ", 5UL, 0x1_0000_0005UL, false)]
    [InlineData("SCMP_CMP_NE", 5UL, 5UL, false)]
    [InlineData("SCMP_CMP_NE", 5UL, 0x1_0000_0005UL, true)]
    [InlineData("SCMP_CMP_GT", 5UL, 6UL, true)]
    [InlineData("SCMP_CMP_GT", 5UL, 5UL, false)]
    [InlineData("SCMP_CMP_GT", 5UL, 0x1_0000_0000UL, true)]
    [InlineData("SCMP_CMP_GE", 5UL, 5UL, true)]
    [InlineData("SCMP_CMP_GE", 5UL, 4UL, false)]
    [InlineData("SCMP_CMP_LT", 5UL, 4UL, true)]
    [InlineData("SCMP_CMP_LT", 5UL, 5UL, false)]
    [InlineData("SCMP_CMP_LT", 0x1_0000_0000UL, 0xffff_ffffUL, true)]
    [InlineData("SCMP_CMP_LE", 5UL, 5UL, true)]
    [InlineData("SCMP_CMP_LE", 5UL, 0x1_0000_0000UL, false)]
    public void ArgumentComparison_MatchesOn64BitValues(string op, ulong value, ulong argument, bool matches)
    {
        var program = SeccompCompiler.Compile(Rule(op, value));

        var result = Evaluate(program, 141, [0, 0, argument]);

        Assert.Equal(matches ? ErrnoEperm : Allow, result);
        Assert.Equal(Allow, Evaluate(program, 0, [0, 0, argument])); // other syscalls untouched
    }

    [Theory]
    [InlineData(0x12ABUL, true)]
    [InlineData(0x13ABUL, false)]
    [InlineData(0x1_0000_12ABUL, true)]
    public void MaskedEq_ComparesOnlyTheMaskedBits(ulong argument, bool matches)
    {
        var program = SeccompCompiler.Compile(Rule("SCMP_CMP_MASKED_EQ", 0xFF00, 0x1200));

        Assert.Equal(matches ? ErrnoEperm : Allow, Evaluate(program, 141, [0, 0, argument]));
    }

    [Fact]
    public void UnknownAction_IsRefused()
    {
        var error = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(new SeccompSpec { DefaultAction = "SCMP_ACT_EXPLODE" }));
        Assert.Contains("SCMP_ACT_EXPLODE", error.Message, StringComparison.Ordinal);
    }
}

using System.Runtime.InteropServices;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// One system call of a cloned child's prepared program (see <see cref="ChildProgram"/>): its number and
/// arguments, where an argument may be the fd an earlier op returned (or its /proc/self/fd path), and
/// what the child does when it fails: tolerate up to two errno values, skipping some ops after it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ChildOp
{
    public const int ArgLiteral = 0, ArgFd = 1, ArgFdPath = 2;

    /// <summary>A failure of this op never stops the program (closing an fd that may not exist).</summary>
    public const int FlagIgnoreFailure = 1;

    /// <summary>Repeat on EAGAIN: openat2 answers so when a rename raced a RESOLVE_IN_ROOT lookup.</summary>
    public const int FlagRetryEagain = 2;

    public long Number;
    public fixed long Args[6];
    public fixed int Kinds[6];
    public int Errno1;
    public int Skip1;
    public int Errno2;
    public int Skip2;
    public int SkipOnSuccess;
    public int Flags;

    /// <summary>Scratch space for an <see cref="ArgFdPath"/> argument, formatted by the child.</summary>
    public fixed byte FdPath[32];
}

/// <summary>An argument of a <see cref="ChildOp"/>: a value, or the result of an earlier op.</summary>
internal readonly record struct OpArg(long Value, int Kind)
{
    public static implicit operator OpArg(long value) => new(value, ChildOp.ArgLiteral);

    /// <summary>The fd returned by op <paramref name="op"/>.</summary>
    public static OpArg Fd(int op) => new(op, ChildOp.ArgFd);

    /// <summary>"/proc/self/fd/N" for the fd returned by op <paramref name="op"/>.</summary>
    public static OpArg FdPath(int op) => new(op, ChildOp.ArgFdPath);
}

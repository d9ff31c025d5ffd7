using System.Runtime.InteropServices;
using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// Everything a freshly cloned child does before it execs, prepared by the parent in native memory.
/// The child runs <see cref="Run"/>: raw system calls only (no allocation, no GC transition, no lock),
/// because the clone copied one thread of a multi-threaded runtime.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ChildProgram
{
    public const int MaxSetns = 8;

    public int SyncFd;
    public int ExecFd;
    public int BecomeRoot;
    public int SetnsCount;
    public fixed int SetnsFds[MaxSetns];
    public fixed int SetnsTypes[MaxSetns];
    public long UnshareFlags;
    public ulong SignalMask;
    public byte* EmptyPath;
    public byte** Argv;
    public byte** Envp;

    /// <summary>Steps reported with a <see cref="SyncMessage.ChildError"/> frame.</summary>
    public enum Step
    {
        WaitForParent = 1,
        Setns = 2,
        Unshare = 3,
        BecomeRoot = 4,
        Exec = 5,
    }

    public static string Describe(int step) => (Step)step switch
    {
        Step.WaitForParent => "waiting for the runtime",
        Step.Setns => "joining a namespace (setns)",
        Step.Unshare => "creating namespaces (unshare)",
        Step.BecomeRoot => "becoming root in the user namespace",
        Step.Exec => "starting the init stage (execveat)",
        _ => "step " + step.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The child's whole life: never returns.</summary>
    public static void Run(ChildProgram* p)
    {
        var header = stackalloc byte[5];
        var got = 0L;
        while (got < 5)
        {
            var n = Libc.RawSyscall(Sys.Read, p->SyncFd, (long)(header + got), 5 - got, 0, 0, 0);
            if (n <= 0)
            {
                Fail(p, Step.WaitForParent, n == 0 ? 0 : *Libc.ErrnoLocation());
            }
            got += n;
        }
        for (var i = 0; i < p->SetnsCount; i++)
        {
            if (Libc.RawSyscall(Sys.Setns, p->SetnsFds[i], p->SetnsTypes[i], 0, 0, 0, 0) != 0)
            {
                Fail(p, Step.Setns, *Libc.ErrnoLocation());
            }
        }
        if (p->UnshareFlags != 0 && Libc.RawSyscall(Sys.Unshare, p->UnshareFlags, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, Step.Unshare, *Libc.ErrnoLocation());
        }
        if (p->BecomeRoot != 0 &&
            (Libc.RawSyscall(Sys.Setresgid, 0, 0, 0, 0, 0, 0) != 0 ||
             Libc.RawSyscall(Sys.Setgroups, 0, 0, 0, 0, 0, 0) != 0 ||
             Libc.RawSyscall(Sys.Setresuid, 0, 0, 0, 0, 0, 0) != 0))
        {
            Fail(p, Step.BecomeRoot, *Libc.ErrnoLocation());
        }
        var mask = p->SignalMask;
        Libc.RawSyscall(14 /* rt_sigprocmask */, 2 /* SIG_SETMASK */, (long)&mask, 0, 8, 0, 0);
        Libc.RawSyscall(Sys.Execveat, p->ExecFd, (long)p->EmptyPath, (long)p->Argv, (long)p->Envp, Libc.AT_EMPTY_PATH, 0);
        Fail(p, Step.Exec, *Libc.ErrnoLocation());
    }

    private static void Fail(ChildProgram* p, Step step, int errno)
    {
        var frame = stackalloc byte[13];
        frame[0] = (byte)SyncMessage.ChildError;
        *(int*)(frame + 1) = 8;
        *(int*)(frame + 5) = (int)step;
        *(int*)(frame + 9) = errno;
        Libc.RawSyscall(Sys.Write, p->SyncFd, (long)frame, 13, 0, 0, 0);
        Libc.RawSyscall(Sys.ExitGroup, 127, 0, 0, 0, 0, 0);
    }
}

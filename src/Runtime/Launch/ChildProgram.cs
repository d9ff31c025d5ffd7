using System.Runtime.InteropServices;
using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// Everything a freshly cloned child does until it is the container's process, prepared by the parent in
/// native memory (see <see cref="ChildProgramBuilder"/>). The child runs <see cref="Run"/>: raw system
/// calls only (no allocation, no GC transition, no lock), because the clone copied one thread of a
/// multi-threaded runtime. It enters its cgroup and namespaces, runs the prepared ops (the root
/// filesystem, hostname, sysctls), drops to the process's credentials and execs the
/// <see cref="ExecTrampoline"/>, which waits for <c>start</c> when asked and execs the process.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ChildProgram
{
    public const int MaxSetns = 8;
    public const int MaxCgroups = 24;

    /// <summary>Steps at or above this are prepared ops: step - FirstOpStep indexes <see cref="Ops"/>.</summary>
    public const int FirstOpStep = 1000;

    public int SyncFd;

    /// <summary>Non-zero: wait for the parent's <see cref="SyncMessage.Go"/> first (it writes the user namespace's id maps).</summary>
    public int WaitForGo;
    public int BecomeRoot;
    public int SetnsCount;
    public fixed int SetnsFds[MaxSetns];
    public fixed int SetnsTypes[MaxSetns];
    public long UnshareFlags;

    /// <summary>v1 <c>tasks</c> files to write "0" to: the child moves itself into the container's cgroup.</summary>
    public int CgroupCount;
    public fixed int CgroupFds[MaxCgroups];

    /// <summary>Non-zero: unshare the cgroup namespace once inside the container's cgroup, so that is its root.</summary>
    public int UnshareCgroup;
    public ulong SignalMask;

    public ChildOp* Ops;
    public int OpCount;

    /// <summary>One slot per op: the fd or value it returned, or -errno (-EBADF until it runs).</summary>
    public long* Results;

    /// <summary>The exec fifo (read-write, so a read blocks until <c>start</c> writes), or -1 for run.</summary>
    public int FifoFd;

    public byte* Cwd;
    public int Umask;
    public int NoNewPrivileges;
    public uint Uid;
    public uint Gid;
    public int GroupCount;
    public int LastCap;
    public uint* Groups;
    public ulong Bounding;
    public ulong Ambient;
    public fixed uint CapHeader[2];
    public fixed uint CapData[6];
    public byte* SeccompProgram;
    public uint SeccompFlags;

    /// <summary>The sealed trampoline (an fd inherited from the parent) and its /proc/self/fd path.</summary>
    public int TrampolineFd;
    public byte* TrampolinePath;
    public byte* EmptyPath;

    /// <summary>The trampoline's argv: [executable, "W" or "X", process argv...].</summary>
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
        Cwd = 6,
        Credentials = 7,
        Seccomp = 8,
        JoinCgroup = 10,
        CwdOutsideRoot = 11,
        ExecFifo = 12,
    }

    public static string Describe(int step) => (Step)step switch
    {
        Step.WaitForParent => "waiting for the runtime",
        Step.Setns => "joining a namespace (setns)",
        Step.Unshare => "creating namespaces (unshare)",
        Step.BecomeRoot => "becoming root in the user namespace",
        Step.Exec => "starting the process (exec)",
        Step.JoinCgroup => "entering the container's cgroup",
        Step.Cwd => "entering the working directory",
        Step.CwdOutsideRoot => "checking the working directory is inside the container's root filesystem",
        Step.Credentials => "setting user, groups and capabilities",
        Step.Seccomp => "installing the seccomp filter",
        Step.ExecFifo => "handing the exec fifo to the process",
        _ => "step " + step.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Hands the child the cgroup it must enter; CLONE_INTO_CGROUP covers v2, the rest it writes itself.</summary>
    public void SetCgroups(Linux.CgroupJoin join)
    {
        if (join.TaskFds.Count > MaxCgroups)
        {
            throw new RuntimeException($"the host has {join.TaskFds.Count} cgroup v1 hierarchies; at most {MaxCgroups} are supported");
        }
        CgroupCount = join.TaskFds.Count;
        for (var i = 0; i < join.TaskFds.Count; i++)
        {
            CgroupFds[i] = join.TaskFds[i];
        }
    }

    /// <summary>The child's whole life: never returns.</summary>
    public static void Run(ChildProgram* p)
    {
        // Until it execs, this process is a copy of the runtime: nothing but root may open its /proc files.
        Libc.RawSyscall(Sys.Prctl, Sys.PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
        var header = stackalloc byte[5];
        var got = p->WaitForGo != 0 ? 0L : 5L;
        while (got < 5)
        {
            var n = Libc.RawSyscall(Sys.Read, p->SyncFd, (long)(header + got), 5 - got, 0, 0, 0);
            if (n <= 0)
            {
                Fail(p, (int)Step.WaitForParent, n == 0 ? 0 : *Libc.ErrnoLocation());
            }
            got += n;
        }
        var self = (byte)'0';
        for (var i = 0; i < p->CgroupCount; i++)
        {
            if (Libc.RawSyscall(Sys.Write, p->CgroupFds[i], (long)&self, 1, 0, 0, 0) != 1)
            {
                Fail(p, (int)Step.JoinCgroup, *Libc.ErrnoLocation());
            }
        }
        if (p->UnshareCgroup != 0 && Libc.RawSyscall(Sys.Unshare, (long)Sys.CLONE_NEWCGROUP, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, (int)Step.Unshare, *Libc.ErrnoLocation());
        }
        for (var i = 0; i < p->SetnsCount; i++)
        {
            if (Libc.RawSyscall(Sys.Setns, p->SetnsFds[i], p->SetnsTypes[i], 0, 0, 0, 0) != 0)
            {
                Fail(p, (int)Step.Setns, *Libc.ErrnoLocation());
            }
        }
        if (p->UnshareFlags != 0 && Libc.RawSyscall(Sys.Unshare, p->UnshareFlags, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, (int)Step.Unshare, *Libc.ErrnoLocation());
        }
        if (p->BecomeRoot != 0 &&
            (Libc.RawSyscall(Sys.Setresgid, 0, 0, 0, 0, 0, 0) != 0 ||
             Libc.RawSyscall(Sys.Setgroups, 0, 0, 0, 0, 0, 0) != 0 ||
             Libc.RawSyscall(Sys.Setresuid, 0, 0, 0, 0, 0, 0) != 0))
        {
            Fail(p, (int)Step.BecomeRoot, *Libc.ErrnoLocation());
        }
        RunOps(p);
        BecomeProcess(p);
    }

    private static void RunOps(ChildProgram* p)
    {
        var args = stackalloc long[6];
        for (var i = 0; i < p->OpCount; i++)
        {
            var op = p->Ops + i;
            for (var j = 0; j < 6; j++)
            {
                var kind = op->Kinds[j];
                args[j] = kind == ChildOp.ArgFd ? p->Results[op->Args[j]]
                    : kind == ChildOp.ArgFdPath ? FormatFdPath(op->FdPath, p->Results[op->Args[j]])
                    : op->Args[j];
            }
            long result;
            var attempts = 0;
            while (true)
            {
                result = Libc.RawSyscall(op->Number, args[0], args[1], args[2], args[3], args[4], args[5]);
                if (result >= 0)
                {
                    break;
                }
                result = -*Libc.ErrnoLocation();
                if (result != -Libc.EAGAIN || (op->Flags & ChildOp.FlagRetryEagain) == 0 || ++attempts > 128)
                {
                    break;
                }
            }
            p->Results[i] = result;
            if (result >= 0)
            {
                i += op->SkipOnSuccess;
            }
            else if ((op->Flags & ChildOp.FlagIgnoreFailure) != 0)
            {
                continue;
            }
            else if (result == -op->Errno1)
            {
                i += op->Skip1;
            }
            else if (result == -op->Errno2)
            {
                i += op->Skip2;
            }
            else
            {
                Fail(p, FirstOpStep + i, (int)-result);
            }
        }
    }

    /// <summary>Writes "/proc/self/fd/N" into <paramref name="buffer"/> (32 bytes) and returns it.</summary>
    private static long FormatFdPath(byte* buffer, long fd)
    {
        var prefix = "/proc/self/fd/"u8;
        var n = 0;
        for (; n < prefix.Length; n++)
        {
            buffer[n] = prefix[n];
        }
        var digits = stackalloc byte[20];
        var count = 0;
        var value = fd < 0 ? 0 : fd;
        do
        {
            digits[count++] = (byte)('0' + (value % 10));
            value /= 10;
        }
        while (value > 0);
        while (count > 0)
        {
            buffer[n++] = digits[--count];
        }
        buffer[n] = 0;
        return (long)buffer;
    }

    /// <summary>Working directory, fds, seccomp, credentials and capabilities as raw system calls, then exec.</summary>
    private static void BecomeProcess(ChildProgram* p)
    {
        if (Libc.RawSyscall(80 /* chdir */, (long)p->Cwd, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, (int)Step.Cwd, *Libc.ErrnoLocation());
        }
        // CVE-2024-21626: a working directory outside the root reads back as "(unreachable)/...".
        var cwd = stackalloc byte[4096];
        if (Libc.RawSyscall(79 /* getcwd */, (long)cwd, 4096, 0, 0, 0, 0) < 0 || cwd[0] != (byte)'/')
        {
            Fail(p, (int)Step.CwdOutsideRoot, 0);
        }
        Libc.RawSyscall(95 /* umask */, p->Umask, 0, 0, 0, 0, 0);
        // No host descriptor may reach the process: everything past stdio closes on exec...
        Libc.RawSyscall(Sys.CloseRange, 3, uint.MaxValue, Sys.CloseRangeCloexec, 0, 0, 0);
        // ...but the exec fifo, which the trampoline reads as fd 3 and closes before the last exec.
        if (p->FifoFd >= 0 &&
            (p->FifoFd == 3
                ? Libc.RawSyscall(72 /* fcntl */, 3, 2 /* F_SETFD */, 0, 0, 0, 0)
                : Libc.RawSyscall(Sys.Dup3, p->FifoFd, 3, 0, 0, 0, 0)) < 0)
        {
            Fail(p, (int)Step.ExecFifo, *Libc.ErrnoLocation());
        }
        if (p->SeccompProgram != null && p->NoNewPrivileges == 0 &&
            Libc.RawSyscall(Sys.Seccomp, 1, p->SeccompFlags, (long)p->SeccompProgram, 0, 0, 0) != 0)
        {
            // Without no_new_privs the filter needs CAP_SYS_ADMIN, which goes away below.
            Fail(p, (int)Step.Seccomp, *Libc.ErrnoLocation());
        }
        Libc.RawSyscall(Sys.Prctl, Sys.PR_SET_KEEPCAPS, 1, 0, 0, 0, 0);
        for (var cap = 0; cap <= p->LastCap; cap++)
        {
            if ((p->Bounding & (1UL << cap)) == 0)
            {
                Libc.RawSyscall(Sys.Prctl, Sys.PR_CAPBSET_DROP, cap, 0, 0, 0, 0);
            }
        }
        if (Libc.RawSyscall(Sys.Setgroups, p->GroupCount, (long)p->Groups, 0, 0, 0, 0) != 0 ||
            Libc.RawSyscall(Sys.Setresgid, p->Gid, p->Gid, p->Gid, 0, 0, 0) != 0 ||
            Libc.RawSyscall(Sys.Setresuid, p->Uid, p->Uid, p->Uid, 0, 0, 0) != 0)
        {
            Fail(p, (int)Step.Credentials, *Libc.ErrnoLocation());
        }
        Libc.RawSyscall(Sys.Prctl, Sys.PR_SET_KEEPCAPS, 0, 0, 0, 0, 0);
        if (Libc.RawSyscall(Sys.Capset, (long)p->CapHeader, (long)p->CapData, 0, 0, 0, 0) != 0)
        {
            Fail(p, (int)Step.Credentials, *Libc.ErrnoLocation());
        }
        for (var cap = 0; cap <= p->LastCap; cap++)
        {
            if ((p->Ambient & (1UL << cap)) != 0)
            {
                Libc.RawSyscall(Sys.Prctl, Sys.PR_CAP_AMBIENT, Sys.PR_CAP_AMBIENT_RAISE, cap, 0, 0, 0);
            }
        }
        if (p->NoNewPrivileges != 0)
        {
            Libc.RawSyscall(Sys.Prctl, Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
            if (p->SeccompProgram != null && Libc.RawSyscall(Sys.Seccomp, 1, p->SeccompFlags, (long)p->SeccompProgram, 0, 0, 0) != 0)
            {
                Fail(p, (int)Step.Seccomp, *Libc.ErrnoLocation());
            }
        }
        var mask = p->SignalMask;
        Libc.RawSyscall(14 /* rt_sigprocmask */, 2 /* SIG_SETMASK */, (long)&mask, 0, 8, 0, 0);
        Libc.RawSyscall(Sys.Execveat, p->TrampolineFd, (long)p->EmptyPath, (long)p->Argv, (long)p->Envp, Libc.AT_EMPTY_PATH, 0);
        // A seccomp profile may allow execve but not execveat.
        Libc.RawSyscall(59 /* execve */, (long)p->TrampolinePath, (long)p->Argv, (long)p->Envp, 0, 0, 0);
        Fail(p, (int)Step.Exec, *Libc.ErrnoLocation());
    }

    private static void Fail(ChildProgram* p, int step, int errno)
    {
        var frame = stackalloc byte[13];
        frame[0] = (byte)SyncMessage.ChildError;
        *(int*)(frame + 1) = 8;
        *(int*)(frame + 5) = step;
        *(int*)(frame + 9) = errno;
        Libc.RawSyscall(Sys.Write, p->SyncFd, (long)frame, 13, 0, 0, 0);
        Libc.RawSyscall(Sys.ExitGroup, 127, 0, 0, 0, 0, 0);
    }
}

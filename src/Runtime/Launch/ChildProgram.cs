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
    public const int MaxCgroups = 24;

    public int SyncFd;
    public int ExecFd;
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
    public byte* EmptyPath;
    public byte** Argv;
    public byte** Envp;

    /// <summary>
    /// Non-null: exec this path (our own binary) after bind-mounting it read-only onto itself in the
    /// child's new mount namespace, instead of exec'ing <see cref="ExecFd"/>.
    /// </summary>
    public byte* SelfPath;
    public byte* Slash;
    public ulong SelfMountFlags;

    /// <summary>Non-zero: become the user process directly (exec), instead of exec'ing the init stage.</summary>
    public int Direct;
    public byte* Path;
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

    /// <summary>Steps reported with a <see cref="SyncMessage.ChildError"/> frame.</summary>
    public enum Step
    {
        WaitForParent = 1,
        Setns = 2,
        Unshare = 3,
        BecomeRoot = 4,
        Exec = 5,
        ProtectSelf = 9,
        JoinCgroup = 10,
        Cwd = 6,
        Credentials = 7,
        Seccomp = 8,
    }

    public static string Describe(int step) => (Step)step switch
    {
        Step.WaitForParent => "waiting for the runtime",
        Step.Setns => "joining a namespace (setns)",
        Step.Unshare => "creating namespaces (unshare)",
        Step.BecomeRoot => "becoming root in the user namespace",
        Step.Exec => "starting the process (exec)",
        Step.ProtectSelf => "bind-mounting the runtime binary read-only",
        Step.JoinCgroup => "entering the container's cgroup",
        Step.Cwd => "entering the working directory",
        Step.Credentials => "setting user, groups and capabilities",
        Step.Seccomp => "installing the seccomp filter",
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
        var self = (byte)'0';
        for (var i = 0; i < p->CgroupCount; i++)
        {
            if (Libc.RawSyscall(Sys.Write, p->CgroupFds[i], (long)&self, 1, 0, 0, 0) != 1)
            {
                Fail(p, Step.JoinCgroup, *Libc.ErrnoLocation());
            }
        }
        if (p->UnshareCgroup != 0 && Libc.RawSyscall(Sys.Unshare, (long)Sys.CLONE_NEWCGROUP, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, Step.Unshare, *Libc.ErrnoLocation());
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
        if (p->Direct != 0)
        {
            BecomeUserProcess(p);
        }
        var mask = p->SignalMask;
        if (p->SelfPath != null)
        {
            // CVE-2019-5736: /proc/<pid>/exe of the init stage resolves through this read-only bind
            // mount, which lives only in the container's mount namespace and is detached with the old
            // root: nothing inside can reopen our binary for writing or remount it.
            if (Libc.RawSyscall(165 /* mount */, 0, (long)p->Slash, 0, (long)(Sys.MS_REC | Sys.MS_SLAVE), 0, 0) != 0 ||
                Libc.RawSyscall(165, (long)p->SelfPath, (long)p->SelfPath, 0, (long)Sys.MS_BIND, 0, 0) != 0 ||
                Libc.RawSyscall(165, 0, (long)p->SelfPath, 0, (long)(Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY | p->SelfMountFlags), 0, 0) != 0)
            {
                Fail(p, Step.ProtectSelf, *Libc.ErrnoLocation());
            }
            Libc.RawSyscall(14 /* rt_sigprocmask */, 2 /* SIG_SETMASK */, (long)&mask, 0, 8, 0, 0);
            Libc.RawSyscall(59 /* execve */, (long)p->SelfPath, (long)p->Argv, (long)p->Envp, 0, 0, 0);
            Fail(p, Step.Exec, *Libc.ErrnoLocation());
        }
        Libc.RawSyscall(14 /* rt_sigprocmask */, 2 /* SIG_SETMASK */, (long)&mask, 0, 8, 0, 0);
        Libc.RawSyscall(Sys.Execveat, p->ExecFd, (long)p->EmptyPath, (long)p->Argv, (long)p->Envp, Libc.AT_EMPTY_PATH, 0);
        Fail(p, Step.Exec, *Libc.ErrnoLocation());
    }

    /// <summary>
    /// exec: the same privilege drop as the init stage, as raw system calls (the container's root has no
    /// libc for our binary, so nothing of ours can run there after the mount namespace is joined).
    /// </summary>
    private static void BecomeUserProcess(ChildProgram* p)
    {
        if (Libc.RawSyscall(80 /* chdir */, (long)p->Cwd, 0, 0, 0, 0, 0) != 0)
        {
            Fail(p, Step.Cwd, *Libc.ErrnoLocation());
        }
        Libc.RawSyscall(95 /* umask */, p->Umask, 0, 0, 0, 0, 0);
        Libc.RawSyscall(Sys.CloseRange, 3, uint.MaxValue, Sys.CloseRangeCloexec, 0, 0, 0);
        if (p->SeccompProgram != null && p->NoNewPrivileges == 0 &&
            Libc.RawSyscall(Sys.Seccomp, 1, p->SeccompFlags, (long)p->SeccompProgram, 0, 0, 0) != 0)
        {
            Fail(p, Step.Seccomp, *Libc.ErrnoLocation());
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
            Fail(p, Step.Credentials, *Libc.ErrnoLocation());
        }
        Libc.RawSyscall(Sys.Prctl, Sys.PR_SET_KEEPCAPS, 0, 0, 0, 0, 0);
        if (Libc.RawSyscall(Sys.Capset, (long)p->CapHeader, (long)p->CapData, 0, 0, 0, 0) != 0)
        {
            Fail(p, Step.Credentials, *Libc.ErrnoLocation());
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
                Fail(p, Step.Seccomp, *Libc.ErrnoLocation());
            }
        }
        var mask = p->SignalMask;
        Libc.RawSyscall(14 /* rt_sigprocmask */, 2 /* SIG_SETMASK */, (long)&mask, 0, 8, 0, 0);
        Libc.RawSyscall(59 /* execve */, (long)p->Path, (long)p->Argv, (long)p->Envp, 0, 0, 0);
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

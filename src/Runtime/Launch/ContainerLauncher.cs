using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>A container's first process, cloned and being set up, with the channel it reports failures on.</summary>
internal sealed record LaunchedInit(int Pid, SyncChannel Channel, IReadOnlyList<OpDescription> Ops);

/// <summary>
/// Starts a container's process: the whole setup (root filesystem, credentials, seccomp) is compiled into
/// a <see cref="ChildProgram"/> first; then clone3 with the new namespaces (joined ones are entered by the
/// parent thread before the clone, or by the child for user and mount) into the container's cgroup2
/// directory, id maps, rlimits and oom_score_adj while the child waits, and the child runs the program
/// and becomes the process through the <see cref="ExecTrampoline"/>. No second runtime ever starts.
/// </summary>
internal static unsafe class ContainerLauncher
{
    private const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000;

    /// <summary>
    /// Clones the container's process. With <paramref name="cgroupsLater"/>, the cgroup directories do not
    /// exist yet: the parent makes them while the child mounts, then calls <see cref="CgroupsReady"/>, and
    /// the child enters them (by writing "0" to each v1 tasks file) before it uses or leaves them.
    /// </summary>
    public static LaunchedInit Launch(LoadedSpec loaded, Cgroups cgroups, int fifoFd, bool cgroupsLater = false)
    {
        var spec = loaded.Spec;
        var process = spec.Process!;
        var namespaces = spec.Linux!.Namespaces ?? [];
        var userNs = namespaces.FirstOrDefault(n => n.Type == "user");
        var joinUser = userNs is { Path.Length: > 0 };
        var newUser = userNs is not null && !joinUser;

        ulong newFlags = 0;
        var parentJoins = new List<(string Path, ulong Type)>();
        var childJoins = new List<(string Path, ulong Type)>();
        foreach (var ns in namespaces)
        {
            var flag = SpecValidator.NamespaceFlags[ns.Type];
            if (string.IsNullOrEmpty(ns.Path))
            {
                newFlags |= flag;
            }
            else if (ns.Type is "user")
            {
                childJoins.Insert(0, (ns.Path, flag));
            }
            else if (ns.Type is "mount")
            {
                childJoins.Add((ns.Path, flag));
            }
            else
            {
                parentJoins.Add((ns.Path, flag));
            }
        }
        if (joinUser && (newFlags & Sys.CLONE_NEWPID) != 0)
        {
            throw new RuntimeException("config.json: linux.namespaces: a new pid namespace inside a joined user namespace is not supported");
        }

        var opened = new List<int>();
        int[] sockets = [-1, -1];
        var trampoline = -1;
        using var builder = new ChildProgramBuilder();
        try
        {
            // Everything that reads the bundle or can refuse the config happens before any process exists.
            var user = process.User ?? new UserSpec();
            var cwd = process.Cwd ?? "/";
            var mounts = (spec.Mounts ?? []).Select(m => "/" + m.Destination!.Trim('/')).ToList();
            bool UnderMount(string path) => mounts.Any(m => path.StartsWith(m + "/", StringComparison.Ordinal));
            string executable;
            IReadOnlyList<string> env;
            using (var root = new RootPath(loaded.Rootfs))
            {
                env = UserProcess.WithHome(process.Env ?? [], user.Uid, root);
                executable = UserProcess.Resolve(process.Args![0], env, root, UnderMount);
            }
            // In a user namespace the parent sets rlimits and the oom score (the child could not write its
            // own /proc files) and the id maps, and the child waits for that; otherwise it needs nobody.
            fixed (int* sv = sockets)
            {
                if (Libc.Socketpair(AfUnix, SockStream | SockCloexec, 0, sv) != 0)
                {
                    throw RuntimeException.FromErrno("socketpair", Libc.Errno);
                }
            }
            var waitForGo = userNs is not null;
            if (cgroupsLater && (waitForGo || cgroups.IsV2Only))
            {
                throw new InvalidOperationException("cgroups can be made during the clone only without a user namespace, on cgroup v1");
            }
            var unshareCgroup = (newFlags & Sys.CLONE_NEWCGROUP) != 0 && !joinUser;
            if (!waitForGo)
            {
                SetOomScore(builder, process);
            }
            RootfsPlan.Compile(builder, loaded, userNs is not null, cgroups.MountPoints(), cwd,
                cgroupsLater ? () => EnterCgroupsWhenReady(builder, sockets[1], cgroups, unshareCgroup) : null);
            if (!waitForGo)
            {
                // Last, so a low RLIMIT_NOFILE cannot starve the ops that open descriptors.
                SetRlimits(builder, process);
            }
            trampoline = ExecTrampoline.Create();
            builder.SetProcess(process, user, spec.Linux.Seccomp, executable, cwd, process.Args!, env, trampoline, waitForStart: fifoFd >= 0);
            var program = builder.Finish();
            program->FifoFd = fifoFd;
            Cli.StageClock.Mark("program compiled");

            var pidNamespaceFd = -1;
            foreach (var (path, type) in parentJoins)
            {
                var fd = OpenNamespace(path, opened);
                if (type == Sys.CLONE_NEWPID)
                {
                    pidNamespaceFd = fd;
                    continue;
                }
                if (Libc.Setns(fd, (int)type) != 0)
                {
                    throw RuntimeException.FromErrno($"joining namespace {path}", Libc.Errno);
                }
            }
            foreach (var (path, type) in childJoins)
            {
                if (program->SetnsCount == ChildProgram.MaxSetns)
                {
                    throw new RuntimeException("config.json: linux.namespaces: too many namespaces to join");
                }
                program->SetnsFds[program->SetnsCount] = OpenNamespace(path, opened);
                program->SetnsTypes[program->SetnsCount] = (int)type;
                program->SetnsCount++;
            }

            using var cgroupJoin = cgroupsLater ? new CgroupJoin() : cgroups.OpenJoin();
            program->SetCgroups(cgroupJoin);
            var cloneFlags = joinUser ? 0 : newFlags;
            if ((cloneFlags & Sys.CLONE_NEWCGROUP) != 0)
            {
                // Created at clone time, the namespace would be rooted at the runtime's own cgroup.
                cloneFlags &= ~Sys.CLONE_NEWCGROUP;
                program->UnshareCgroup = cgroupsLater ? 0 : 1;
            }
            program->SyncFd = sockets[1];
            program->WaitForGo = waitForGo ? 1 : 0;
            program->BecomeRoot = newUser || joinUser ? 1 : 0;
            program->UnshareFlags = joinUser ? (long)newFlags : 0;

            var pid = Clone(program, cloneFlags, pidNamespaceFd, cgroupJoin.V2DirFd);
            Cli.StageClock.Mark("cloned");
            Libc.Close(sockets[1]);
            sockets[1] = -1;
            var channel = new SyncChannel(sockets[0]);
            sockets[0] = -1;
            try
            {
                if (waitForGo)
                {
                    if (newUser)
                    {
                        WriteMap(pid, "uid_map", spec.Linux.UidMappings!);
                        WriteMap(pid, "gid_map", spec.Linux.GidMappings!);
                    }
                    SetRlimits(pid, process.Rlimits);
                    if (process.OomScoreAdj is { } oomScoreAdj)
                    {
                        File.WriteAllText($"/proc/{pid}/oom_score_adj", oomScoreAdj.ToString(CultureInfo.InvariantCulture));
                    }
                    channel.Send(SyncMessage.Go);
                    Cli.StageClock.Mark("go sent");
                }
            }
            catch
            {
                _ = Libc.Kill(pid, Sys.SIGKILL);
                Reap(pid);
                channel.Dispose();
                throw;
            }
            return new LaunchedInit(pid, channel, builder.Descriptions);
        }
        finally
        {
            foreach (var fd in opened)
            {
                Libc.Close(fd);
            }
            foreach (var fd in sockets.Where(s => s >= 0))
            {
                Libc.Close(fd);
            }
            if (trampoline >= 0)
            {
                Libc.Close(trampoline);
            }
        }
    }

    /// <summary>
    /// Waits until the child has exec'd (its end of the socket closes on exec) and throws the error it
    /// reported instead, if any.
    /// </summary>
    public static void AwaitInit(LaunchedInit init)
    {
        var frame = init.Channel.Receive();
        if (frame is null)
        {
            return;
        }
        var (kind, payload) = frame.Value;
        if (kind == SyncMessage.ChildError && payload.Length == 8)
        {
            throw ChildProgramBuilder.Error(init.Ops, BitConverter.ToInt32(payload, 0), BitConverter.ToInt32(payload, 4));
        }
        throw new RuntimeException($"sync channel: unexpected frame '{(char)kind}'");
    }

    /// <summary>
    /// Ops that block until <see cref="CgroupsReady"/> (one byte on the sync socket), then move the child into
    /// each v1 hierarchy's new directory, then unshare the cgroup namespace so that is its root.
    /// </summary>
    private static void EnterCgroupsWhenReady(ChildProgramBuilder builder, int syncFd, Cgroups cgroups, bool unshareCgroup)
    {
        var wait = builder.Emit("waiting for the container's cgroups", Sys.Read, syncFd, builder.Bytes(new byte[8]), 1);
        builder.Explain(wait, Libc.EBADF, "the runtime went away while the container was set up");
        foreach (var tasks in cgroups.TaskFiles)
        {
            var what = $"entering the container's cgroup ({tasks})";
            var fd = builder.Emit(what, Sys.Open, builder.Str(tasks), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            builder.Emit(what, Sys.Write, OpArg.Fd(fd), builder.Str("0"), 1);
            builder.Close(fd);
        }
        if (unshareCgroup)
        {
            builder.Emit("creating the cgroup namespace (unshare)", Sys.Unshare, (long)Sys.CLONE_NEWCGROUP);
        }
    }

    /// <summary>Lets a child launched with cgroupsLater enter its cgroup directories, now made.</summary>
    public static void CgroupsReady(LaunchedInit init)
    {
        byte go = (byte)SyncMessage.Go;
        if (Libc.Write(init.Channel.Fd, &go, 1) != 1)
        {
            throw RuntimeException.FromErrno("telling the container's process its cgroups are ready", Libc.Errno);
        }
    }

    /// <summary>process.oomScoreAdj as the child's first op (through the host's /proc, before any mount).</summary>
    private static void SetOomScore(ChildProgramBuilder builder, ProcessSpec process)
    {
        if (process.OomScoreAdj is { } oomScoreAdj)
        {
            var value = oomScoreAdj.ToString(CultureInfo.InvariantCulture);
            var what = $"setting oom_score_adj {value}";
            var fd = builder.Emit(what, Sys.Open, builder.Str("/proc/self/oom_score_adj"), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            builder.Emit(what, Sys.Write, OpArg.Fd(fd), builder.Str(value), value.Length);
            builder.Close(fd);
        }
    }

    /// <summary>process.rlimits as ops of the child (prlimit64 on itself).</summary>
    private static void SetRlimits(ChildProgramBuilder builder, ProcessSpec process)
    {
        foreach (var rlimit in process.Rlimits ?? [])
        {
            var limits = new byte[16];
            BitConverter.TryWriteBytes(limits, rlimit.Soft);
            BitConverter.TryWriteBytes(limits.AsSpan(8), rlimit.Hard);
            builder.Emit($"setting {rlimit.Type}", 302 /* prlimit64 */, 0, Rlimits.Number(rlimit.Type)!.Value, builder.Bytes(limits), 0);
        }
    }

    /// <summary>process.rlimits, set on the waiting child from outside (prlimit).</summary>
    internal static void SetRlimits(int pid, IReadOnlyList<RlimitSpec>? rlimits)
    {
        var limits = stackalloc ulong[2];
        foreach (var rlimit in rlimits ?? [])
        {
            limits[0] = rlimit.Soft;
            limits[1] = rlimit.Hard;
            if (Libc.Syscall(302 /* prlimit64 */, pid, Rlimits.Number(rlimit.Type)!.Value, (long)limits, 0, 0, 0) != 0)
            {
                throw RuntimeException.FromErrno($"setting {rlimit.Type}", Libc.Errno);
            }
        }
    }

    public static int Reap(int pid)
    {
        int status;
        while (Libc.Waitpid(pid, &status, 0) < 0)
        {
            if (Libc.Errno != Libc.EINTR)
            {
                return -1;
            }
        }
        return status;
    }

    /// <summary>
    /// clone3 into <paramref name="pidNamespaceFd"/> when given: the parent enters that pid namespace
    /// for its children only around the clone, because a process whose children's pid namespace differs
    /// from its own cannot create threads (and the .NET runtime creates them lazily). A
    /// <paramref name="cgroupDirFd"/> places the child in that cgroup2 directory (CLONE_INTO_CGROUP).
    /// </summary>
    internal static int Clone(ChildProgram* program, ulong flags, int pidNamespaceFd, int cgroupDirFd)
    {
        if (pidNamespaceFd < 0)
        {
            return Clone(program, flags, cgroupDirFd);
        }
        var own = Libc.Open("/proc/self/ns/pid", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (own < 0)
        {
            throw RuntimeException.FromErrno("opening /proc/self/ns/pid", Libc.Errno);
        }
        try
        {
            if (Libc.Setns(pidNamespaceFd, (int)Sys.CLONE_NEWPID) != 0)
            {
                throw RuntimeException.FromErrno("joining the pid namespace", Libc.Errno);
            }
            try
            {
                return Clone(program, flags, cgroupDirFd);
            }
            finally
            {
                _ = Libc.Setns(own, (int)Sys.CLONE_NEWPID);
            }
        }
        finally
        {
            Libc.Close(own);
        }
    }

    private static int Clone(ChildProgram* program, ulong flags, int cgroupDirFd)
    {
        var args = stackalloc ulong[11];
        for (var i = 0; i < 11; i++)
        {
            args[i] = 0;
        }
        args[0] = flags;
        args[4] = Sys.SIGCHLD;
        if (cgroupDirFd >= 0)
        {
            args[0] |= Sys.CLONE_INTO_CGROUP;
            args[10] = (ulong)cgroupDirFd; // clone_args.cgroup
        }
        ulong all = ~0UL, old = 0;
        _ = Libc.Syscall(14, 0 /* SIG_BLOCK */, (long)&all, (long)&old, 8, 0, 0);
        program->SignalMask = old;
        var pid = Libc.RawSyscall(Sys.Clone3, (long)args, 11 * sizeof(ulong), 0, 0, 0, 0);
        if (pid == 0)
        {
            ChildProgram.Run(program);
        }
        var errno = *Libc.ErrnoLocation();
        _ = Libc.Syscall(14, 2 /* SIG_SETMASK */, (long)&old, 0, 8, 0, 0);
        if (pid < 0)
        {
            throw RuntimeException.FromErrno("clone3 (creating the container's namespaces)", errno);
        }
        return (int)pid;
    }

    internal static int OpenNamespace(string path, List<int> opened)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw RuntimeException.FromErrno($"opening namespace {path}", Libc.Errno);
        }
        opened.Add(fd);
        return fd;
    }

    private static void WriteMap(int pid, string file, IReadOnlyList<IdMappingSpec> maps)
    {
        var text = string.Concat(maps.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.ContainerId} {m.HostId} {m.Size}\n")));
        var path = $"/proc/{pid}/{file}";
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw RuntimeException.FromErrno($"opening {path}", Libc.Errno);
        }
        try
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            fixed (byte* b = bytes)
            {
                if (Libc.Write(fd, b, (nuint)bytes.Length) != bytes.Length)
                {
                    throw RuntimeException.FromErrno($"writing {file} ({text.Trim().Replace('\n', ';')})", Libc.Errno);
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}

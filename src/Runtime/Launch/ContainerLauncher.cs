using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>A container's init process, started and being set up, with the channel to talk to it.</summary>
internal sealed record LaunchedInit(int Pid, SyncChannel Channel);

/// <summary>
/// Starts a container's init: clone3 with the new namespaces (joined ones are entered by the parent
/// thread before the clone, or by the child for user and mount) into the container's cgroup2 directory,
/// id maps while the child waits, the child moves itself into the v1 hierarchies, then the init stage
/// takes over from a read-only bind mount or a sealed copy of this binary.
/// </summary>
internal static unsafe class ContainerLauncher
{
    private const int AfUnix = 1, SockStream = 1, SockCloexec = 0x80000, FSetfd = 2;

    public static LaunchedInit Launch(LoadedSpec loaded, Cgroups cgroups, string? fifoPath)
    {
        var spec = loaded.Spec;
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
        var execFd = -1;
        var native = new List<nint>();
        try
        {
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
            var program = (ChildProgram*)Alloc(native, sizeof(ChildProgram));
            *program = default;
            foreach (var (path, type) in childJoins)
            {
                var fd = OpenNamespace(path, opened);
                program->SetnsFds[program->SetnsCount] = fd;
                program->SetnsTypes[program->SetnsCount] = (int)type;
                program->SetnsCount++;
            }
            fixed (int* sv = sockets)
            {
                if (Libc.Socketpair(AfUnix, SockStream | SockCloexec, 0, sv) != 0)
                {
                    throw RuntimeException.FromErrno("socketpair", Libc.Errno);
                }
            }
            // The child's end must survive the exec into the init stage.
            _ = Libc.Fcntl(sockets[1], FSetfd, 0);
            if ((newFlags & Sys.CLONE_NEWNS) != 0)
            {
                // A new mount namespace: a read-only bind of our binary there costs three mounts,
                // where a sealed copy costs a copy of the whole binary per start.
                var self = Environment.ProcessPath ?? throw new RuntimeException("cannot tell where the runtime binary is");
                program->SelfPath = Utf8(native, self);
                program->Slash = Utf8(native, "/");
                // The binary's own bind mount is exec'd by the init stage, so noexec is never carried over to it.
                program->SelfMountFlags = RootfsBuilder.LockedFlags(self) & ~Sys.MS_NOEXEC;
            }
            else
            {
                execFd = SealedBinary.Create();
            }
            Cli.StageClock.Mark("binary protected");

            using var cgroupJoin = cgroups.OpenJoin();
            program->SetCgroups(cgroupJoin);
            var cloneFlags = joinUser ? 0 : newFlags;
            if ((cloneFlags & Sys.CLONE_NEWCGROUP) != 0)
            {
                // Created at clone time, the namespace would be rooted at the runtime's own cgroup.
                cloneFlags &= ~Sys.CLONE_NEWCGROUP;
                program->UnshareCgroup = 1;
            }
            program->SyncFd = sockets[1];
            program->ExecFd = execFd;
            program->BecomeRoot = newUser || joinUser ? 1 : 0;
            program->UnshareFlags = joinUser ? (long)newFlags : 0;
            program->EmptyPath = Utf8(native, "");
            program->Argv = StringArray(native, ["flotilla-runtime", "init", sockets[1].ToString(CultureInfo.InvariantCulture)]);
            program->Envp = StringArray(native, Cli.StageClock.Enabled ? ["FLOTILLA_RUNTIME_TRACE=1"] : []);

            var pid = Clone(program, cloneFlags, pidNamespaceFd, cgroupJoin.V2DirFd);
            Cli.StageClock.Mark("cloned");
            Libc.Close(sockets[1]);
            sockets[1] = -1;
            var channel = new SyncChannel(sockets[0]);
            sockets[0] = -1;
            try
            {
                if (newUser)
                {
                    WriteMap(pid, "uid_map", spec.Linux.UidMappings!);
                    WriteMap(pid, "gid_map", spec.Linux.GidMappings!);
                }
                channel.Send(SyncMessage.Go);
                Cli.StageClock.Mark("go sent");
                var plan = new InitPlan
                {
                    Spec = spec,
                    SpecJson = loaded.Json,
                    Rootfs = loaded.Rootfs,
                    FifoPath = fifoPath,
                    InUserNamespace = userNs is not null,
                    CgroupMounts = cgroups.MountPoints(),
                };
                channel.Send(SyncMessage.Plan, plan.Serialize());
            }
            catch
            {
                _ = Libc.Kill(pid, Sys.SIGKILL);
                Reap(pid);
                channel.Dispose();
                throw;
            }
            return new LaunchedInit(pid, channel);
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
            if (execFd >= 0)
            {
                Libc.Close(execFd);
            }
            foreach (var p in native)
            {
                Marshal.FreeHGlobal(p);
            }
        }
    }

    /// <summary>Reads frames until the init stage is ready (create) or has exec'd (run); throws its error.</summary>
    public static void AwaitInit(LaunchedInit init, bool waitForExec, bool endMeansExec = false)
    {
        var sawExec = endMeansExec;
        while (true)
        {
            var frame = init.Channel.Receive();
            if (frame is null)
            {
                if (sawExec)
                {
                    return;
                }
                throw new RuntimeException("the container's init process exited before the container was set up");
            }
            var (kind, payload) = frame.Value;
            switch (kind)
            {
                case SyncMessage.Ready when !waitForExec:
                    return;
                case SyncMessage.Exec:
                    sawExec = true;
                    break;
                case SyncMessage.Error:
                    throw new RuntimeException(Encoding.UTF8.GetString(payload));
                case SyncMessage.ChildError when payload.Length == 8:
                    var step = BitConverter.ToInt32(payload, 0);
                    var errno = BitConverter.ToInt32(payload, 4);
                    throw RuntimeException.FromErrno(ChildProgram.Describe(step), errno);
                default:
                    throw new RuntimeException($"sync channel: unexpected frame '{(char)kind}'");
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

    internal static void* Alloc(List<nint> native, int size)
    {
        var p = Marshal.AllocHGlobal(size);
        native.Add(p);
        return (void*)p;
    }

    internal static byte* Utf8(List<nint> native, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)Alloc(native, bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return p;
    }

    public static byte** StringArray(List<nint> native, IReadOnlyList<string> items)
    {
        var array = (byte**)Alloc(native, (items.Count + 1) * sizeof(nint));
        for (var i = 0; i < items.Count; i++)
        {
            array[i] = Utf8(native, items[i]);
        }
        array[items.Count] = null;
        return array;
    }
}

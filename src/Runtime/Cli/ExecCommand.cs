using System.Globalization;
using System.Runtime.InteropServices;
using Flotilla.Runtime.Launch;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;
using Flotilla.Runtime.State;

namespace Flotilla.Runtime.Cli;

/// <summary>
/// <c>exec</c>: another process inside a running container. The parent thread enters the container's
/// pid, network, ipc, uts and cgroup namespaces; the cloned child enters user and mount, then drops to
/// the container's user, capabilities and seccomp filter with raw system calls and execs the command.
/// </summary>
internal static unsafe class ExecCommand
{
    private static readonly Dictionary<string, string> ProcNames = new()
    {
        ["pid"] = "pid", ["network"] = "net", ["mount"] = "mnt", ["ipc"] = "ipc", ["uts"] = "uts", ["user"] = "user", ["cgroup"] = "cgroup",
    };

    public static int Run(StateStore store, Arguments args)
    {
        var id = args.Id("exec");
        // runc's --process: the whole process (args, env, cwd, user, capabilities) from a JSON file.
        var processFile = args.Flag("process") is { } path ? LoadProcess(path) : null;
        var command = processFile?.Args ?? args.Rest;
        if (command.Count == 0)
        {
            throw new RuntimeException("exec: the command is missing (usage: flotilla-runtime exec <id> -- cmd args..., or --process FILE)");
        }
        if (args.Has("tty"))
        {
            throw new RuntimeException("exec: --tty is not supported; stdio is passed through");
        }
        var state = store.Load(id);
        if (store.Status(state) != ContainerStatus.Running)
        {
            throw new RuntimeException($"cannot exec in container {id}: it is not running");
        }
        var spec = SpecLoader.Parse(File.ReadAllBytes(Path.Combine(state.Bundle, "config.json")), "config.json");
        var process = processFile ?? spec.Process ?? throw new RuntimeException("config.json: process is required");
        var root = $"/proc/{state.Pid}/root";
        var user = ParseUser(args.Flag("user")) ?? process.User ?? new UserSpec();
        var env = MergeEnv(process.Env ?? [], args.All("env"));
        env = UserProcess.WithHome(env, user.Uid, root);
        var cwd = args.Flag("cwd") ?? process.Cwd ?? "/";
        CheckCwd(root, cwd);
        var executable = UserProcess.Resolve(command[0], env, root);

        var native = new List<nint>();
        var opened = new List<int>();
        int[] sockets = [-1, -1];
        try
        {
            var program = (ChildProgram*)ContainerLauncher.Alloc(native, sizeof(ChildProgram));
            *program = default;
            var pidNamespaceFd = -1;
            foreach (var ns in spec.Linux?.Namespaces ?? [])
            {
                var fd = ContainerLauncher.OpenNamespace($"/proc/{state.Pid}/ns/{ProcNames[ns.Type]}", opened);
                if (ns.Type is "user" or "mount")
                {
                    var slot = ns.Type == "user" ? 0 : program->SetnsCount;
                    if (ns.Type == "user" && program->SetnsCount > 0)
                    {
                        // user first: the mount namespace belongs to it.
                        program->SetnsFds[1] = program->SetnsFds[0];
                        program->SetnsTypes[1] = program->SetnsTypes[0];
                    }
                    program->SetnsFds[slot] = fd;
                    program->SetnsTypes[slot] = (int)SpecValidator.NamespaceFlags[ns.Type];
                    program->SetnsCount++;
                }
                else if (ns.Type == "pid")
                {
                    pidNamespaceFd = fd;
                }
                else if (Libc.Setns(fd, (int)SpecValidator.NamespaceFlags[ns.Type]) != 0)
                {
                    throw RuntimeException.FromErrno($"joining the container's {ns.Type} namespace", Libc.Errno);
                }
            }
            fixed (int* sv = sockets)
            {
                if (Libc.Socketpair(1, 1 | 0x80000, 0, sv) != 0)
                {
                    throw RuntimeException.FromErrno("socketpair", Libc.Errno);
                }
            }
            Prepare(program, native, process, user, spec.Linux?.Seccomp, executable, cwd, command, env);
            program->SyncFd = sockets[1];
            using var cgroupJoin = Cgroups.Open(state.CgroupPaths).OpenJoin();
            program->SetCgroups(cgroupJoin);

            var pid = ContainerLauncher.Clone(program, 0, pidNamespaceFd, cgroupJoin.V2DirFd);
            Libc.Close(sockets[1]);
            sockets[1] = -1;
            using var channel = new SyncChannel(sockets[0]);
            sockets[0] = -1;
            try
            {
                SetRlimits(pid, process.Rlimits);
                channel.Send(SyncMessage.Go);
                // The child reports only failures; the socket closing on exec means the command started.
                ContainerLauncher.AwaitInit(new LaunchedInit(pid, channel), waitForExec: true, endMeansExec: true);
            }
            catch (RuntimeException) when (Reaped(pid))
            {
                throw;
            }
            if (args.Flag("pid-file") is { } pidFile)
            {
                File.WriteAllText(pidFile, pid.ToString(CultureInfo.InvariantCulture));
            }
            if (args.Has("detach"))
            {
                return 0;
            }
            return Wait(pid);
        }
        finally
        {
            foreach (var fd in opened.Concat(sockets.Where(s => s >= 0)))
            {
                Libc.Close(fd);
            }
            InitStage.FreeAll(native);
        }
    }

    private static bool Reaped(int pid)
    {
        _ = Libc.Kill(pid, Sys.SIGKILL);
        ContainerLauncher.Reap(pid);
        return true;
    }

    private static int Wait(int pid)
    {
        var forwarded = new[] { 1, 2, 3, 10, 12, 15, 28 }.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            context.Cancel = true;
            _ = Libc.Kill(pid, signal);
        })).ToList();
        var status = ContainerLauncher.Reap(pid);
        forwarded.ForEach(r => r.Dispose());
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }

    private static void Prepare(ChildProgram* p, List<nint> native, ProcessSpec process, UserSpec user, SeccompSpec? seccomp,
        string executable, string cwd, IReadOnlyList<string> argv, IReadOnlyList<string> env)
    {
        p->Direct = 1;
        p->ExecFd = -1;
        p->Path = ContainerLauncher.Utf8(native, executable);
        p->Cwd = ContainerLauncher.Utf8(native, cwd);
        p->Argv = ContainerLauncher.StringArray(native, argv);
        p->Envp = ContainerLauncher.StringArray(native, env);
        p->EmptyPath = ContainerLauncher.Utf8(native, "");
        p->Umask = user.Umask ?? 0x12;
        p->Uid = (uint)user.Uid;
        p->Gid = (uint)user.Gid;
        var groups = user.AdditionalGids ?? [];
        p->GroupCount = groups.Count;
        p->Groups = (uint*)ContainerLauncher.Alloc(native, Math.Max(1, groups.Count) * sizeof(uint));
        for (var i = 0; i < groups.Count; i++)
        {
            p->Groups[i] = (uint)groups[i];
        }
        var caps = process.Capabilities;
        var effective = Capabilities.Mask(caps?.Effective);
        var permitted = Capabilities.Mask(caps?.Permitted);
        var inheritable = Capabilities.Mask(caps?.Inheritable);
        p->Bounding = Capabilities.Mask(caps?.Bounding);
        p->Ambient = Capabilities.Mask(caps?.Ambient) & permitted & inheritable;
        p->LastCap = Capabilities.LastCap();
        p->CapHeader[0] = 0x20080522;
        p->CapData[0] = (uint)effective;
        p->CapData[1] = (uint)permitted;
        p->CapData[2] = (uint)inheritable;
        p->CapData[3] = (uint)(effective >> 32);
        p->CapData[4] = (uint)(permitted >> 32);
        p->CapData[5] = (uint)(inheritable >> 32);
        p->NoNewPrivileges = process.NoNewPrivileges ? 1 : 0;
        if (seccomp is not null)
        {
            var instructions = SeccompCompiler.Compile(seccomp);
            var filter = (ulong*)ContainerLauncher.Alloc(native, instructions.Count * 8);
            for (var i = 0; i < instructions.Count; i++)
            {
                var insn = instructions[i];
                filter[i] = insn.Code | ((ulong)insn.Jt << 16) | ((ulong)insn.Jf << 24) | ((ulong)insn.K << 32);
            }
            var fprog = (byte*)ContainerLauncher.Alloc(native, 16);
            *(ushort*)fprog = (ushort)instructions.Count;
            *(ulong**)(fprog + 8) = filter;
            p->SeccompProgram = fprog;
            foreach (var flag in seccomp.Flags ?? [])
            {
                p->SeccompFlags |= flag switch { "SECCOMP_FILTER_FLAG_LOG" => 2u, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => 4u, _ => 0u };
            }
        }
    }

    private static void SetRlimits(int pid, IReadOnlyList<RlimitSpec>? rlimits)
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

    private static void CheckCwd(string root, string cwd)
    {
        if (!cwd.StartsWith('/'))
        {
            throw new RuntimeException($"exec: --cwd {cwd} must be absolute");
        }
        using var rootPath = new RootPath(root);
        if (rootPath.ClimbsOutOfRoot(cwd))
        {
            throw new RuntimeException($"exec: cwd {cwd} leads outside the container's root filesystem; refusing it");
        }
        var fd = rootPath.TryOpen(cwd, Sys.RESOLVE_NO_MAGICLINKS, Libc.O_DIRECTORY);
        if (fd < 0)
        {
            throw RuntimeException.FromErrno($"exec: cwd {cwd} (refusing anything but a directory inside the container)", -fd);
        }
        Libc.Close(fd);
    }

    private static ProcessSpec LoadProcess(string path)
    {
        try
        {
            return SpecReader.Parse(File.ReadAllBytes(path), $"exec --process {path}", "a valid OCI process", SpecReader.ReadProcess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"exec --process {path}: {e.Message.Split(" Path:")[0]}");
        }
    }

    private static UserSpec? ParseUser(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(':');
        if (!long.TryParse(parts[0], CultureInfo.InvariantCulture, out var uid) ||
            (parts.Length > 1 && !long.TryParse(parts[1], CultureInfo.InvariantCulture, out _)))
        {
            throw new RuntimeException($"exec: --user {text} must be uid[:gid] (numbers)");
        }
        var gid = parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        return new UserSpec { Uid = uid, Gid = gid };
    }

    private static IReadOnlyList<string> MergeEnv(IReadOnlyList<string> env, IReadOnlyList<string> overrides)
    {
        var result = env.ToList();
        foreach (var entry in overrides)
        {
            var key = entry.Split('=')[0] + "=";
            result.RemoveAll(e => e.StartsWith(key, StringComparison.Ordinal));
            result.Add(entry);
        }
        return result;
    }
}

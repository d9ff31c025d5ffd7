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
        var cwd = args.Flag("cwd") ?? process.Cwd ?? "/";
        IReadOnlyList<string> env;
        string executable;
        using (var rootPath = new RootPath(root))
        {
            env = UserProcess.WithHome(MergeEnv(process.Env ?? [], args.All("env")), user.Uid, rootPath);
            CheckCwd(rootPath, cwd);
            executable = UserProcess.Resolve(command[0], env, rootPath);
        }

        var opened = new List<int>();
        int[] sockets = [-1, -1];
        var trampoline = -1;
        using var builder = new ChildProgramBuilder();
        try
        {
            trampoline = ExecTrampoline.Create();
            builder.SetProcess(process, user, spec.Linux?.Seccomp, executable, cwd, command, env, trampoline, waitForStart: false);
            var program = builder.Finish();
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
            program->SyncFd = sockets[1];
            program->WaitForGo = 1; // rlimits are set from here (prlimit) first
            using var cgroupJoin = Cgroups.Open(state.CgroupPaths).OpenJoin();
            program->SetCgroups(cgroupJoin);

            var pid = ContainerLauncher.Clone(program, 0, pidNamespaceFd, cgroupJoin.V2DirFd);
            Libc.Close(sockets[1]);
            sockets[1] = -1;
            using var channel = new SyncChannel(sockets[0]);
            sockets[0] = -1;
            try
            {
                ContainerLauncher.SetRlimits(pid, process.Rlimits);
                channel.Send(SyncMessage.Go);
                // The child reports only failures; the socket closing on exec means the command started.
                ContainerLauncher.AwaitInit(new LaunchedInit(pid, channel, builder.Descriptions));
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
            if (trampoline >= 0)
            {
                Libc.Close(trampoline);
            }
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

    private static void CheckCwd(RootPath rootPath, string cwd)
    {
        if (!cwd.StartsWith('/'))
        {
            throw new RuntimeException($"exec: --cwd {cwd} must be absolute");
        }
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

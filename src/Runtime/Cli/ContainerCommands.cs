using System.Globalization;
using System.Runtime.InteropServices;
using Flotilla.Runtime.Launch;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;
using Flotilla.Runtime.State;

namespace Flotilla.Runtime.Cli;

/// <summary>The runc-compatible commands: create, start, run, state, kill, delete, exec.</summary>
internal static unsafe class ContainerCommands
{
    private const string Usage = """
        usage: flotilla-runtime [--root DIR] COMMAND
          create <id> --bundle DIR [--pid-file F]   set up a container; its process waits for start
          start <id>                                 start the process of a created container
          run <id> --bundle DIR [--pid-file F] [-d]  create + start, wait, exit with the process's status
          state <id>                                 print the runtime-spec state JSON
          kill [--all] <id> [SIGNAL]                 send a signal (default SIGTERM)
          delete [--force] <id>                      remove a stopped (or, with --force, any) container
          exec <id> [--cwd D] [--env K=V] [--user U[:G]] -- CMD...   run another process in the container
        """;

    public static int Dispatch(Arguments args)
    {
        var store = new StateStore(args.Flag("root") ?? StateStore.DefaultRoot);
        if (args.Has("systemd-cgroup"))
        {
            throw new RuntimeException("--systemd-cgroup is not supported: pass cgroupsPath as a cgroupfs path");
        }
        switch (args.Command)
        {
            case "create":
                Create(store, args.Id("create"), Bundle(args), args.Flag("pid-file"));
                return 0;
            case "start":
                Start(store, args.Id("start"));
                return 0;
            case "run":
                return Run(store, args.Id("run"), Bundle(args), args.Flag("pid-file"), args.Has("detach"));
            case "state":
                PrintState(store, args.Id("state"));
                return 0;
            case "kill":
                Kill(store, args.Id("kill"), args.Positionals.Count > 1 ? args.Positionals[1] : "TERM", args.Has("all"));
                return 0;
            case "delete":
                Delete(store, args.Id("delete"), args.Has("force"));
                return 0;
            case "exec":
                return ExecCommand.Run(store, args);
            case "--version" or "version":
                Console.WriteLine("flotilla-runtime version 0.1.0\nspec: 1.0.2");
                return 0;
            case null or "help":
                Console.Error.WriteLine(Usage);
                return args.Command is null ? 2 : 0;
            default:
                throw new RuntimeException($"unknown command \"{args.Command}\"\n{Usage}");
        }
    }

    private static string Bundle(Arguments args) => args.Flag("bundle") ?? Directory.GetCurrentDirectory();

    /// <summary>Sets the container up; on any failure nothing is left (cgroups, state, processes).</summary>
    private static (ContainerState State, Cgroups Cgroups, LaunchedInit Init) Launch(StateStore store, string id, string bundle, bool withFifo)
    {
        StateStore.ValidateId(id);
        var loaded = SpecLoader.Load(bundle);
        StageClock.Mark("config loaded");
        store.Reserve(id);
        Cgroups? cgroups = null;
        LaunchedInit? init = null;
        var fifoFd = -1;
        try
        {
            if (withFifo)
            {
                // The process waits for start by reading it; only root can write to it (start).
                var fifo = store.FifoPath(id);
                if (Libc.Mkfifo(fifo, 0x180) != 0)
                {
                    throw RuntimeException.FromErrno($"creating {fifo}", Libc.Errno);
                }
                fifoFd = Libc.Open(fifo, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
                if (fifoFd < 0)
                {
                    throw RuntimeException.FromErrno($"opening {fifo}", Libc.Errno);
                }
            }
            var linux = loaded.Spec.Linux!;
            cgroups = Cgroups.Plan(Cgroups.Normalize(linux.CgroupsPath, id), linux.Resources);
            // The cgroup directories are made while the child mounts the container's filesystems, unless the
            // child needs them at clone time (cgroup v2: CLONE_INTO_CGROUP) or cannot open them itself (user namespace).
            var cgroupsLater = !cgroups.IsV2Only && linux.Namespaces?.Any(n => n.Type == "user") != true;
            if (!cgroupsLater)
            {
                cgroups.Create(linux.Resources, linux.Devices);
                StageClock.Mark("cgroups created");
            }
            init = ContainerLauncher.Launch(loaded, cgroups, fifoFd, cgroupsLater);
            if (cgroupsLater)
            {
                cgroups.Create(linux.Resources, linux.Devices);
                ContainerLauncher.CgroupsReady(init);
                StageClock.Mark("cgroups created");
            }
            if (fifoFd >= 0)
            {
                // The child has its own copy: with ours closed, the fifo has a reader only while it lives.
                Libc.Close(fifoFd);
                fifoFd = -1;
            }
            var startTime = StateStore.ReadStat(init.Pid)?.StartTime
                ?? throw new RuntimeException("the container's process exited during creation");
            // Saved while the child sets the container up (it needs only the pid); removed again if that fails.
            var state = new ContainerState
            {
                Id = id,
                Pid = init.Pid,
                PidStartTime = startTime,
                Bundle = loaded.Bundle,
                Rootfs = loaded.Rootfs,
                Created = DateTimeOffset.UtcNow,
                CgroupPaths = cgroups.Paths,
                OciVersion = loaded.Spec.OciVersion ?? "1.0.2",
                Annotations = loaded.Spec.Annotations,
            };
            store.Save(state);
            StageClock.Mark("state saved");
            ContainerLauncher.AwaitInit(init);
            StageClock.Mark("container set up");
            return (state, cgroups, init);
        }
        catch
        {
            if (fifoFd >= 0)
            {
                Libc.Close(fifoFd);
            }
            if (init is not null)
            {
                _ = Libc.Kill(init.Pid, Sys.SIGKILL);
                ContainerLauncher.Reap(init.Pid);
                init.Channel.Dispose();
            }
            try
            {
                cgroups?.Destroy();
            }
            finally
            {
                store.Remove(id);
            }
            throw;
        }
    }

    private static void Create(StateStore store, string id, string bundle, string? pidFile)
    {
        var (state, _, init) = Launch(store, id, bundle, withFifo: true);
        init.Channel.Dispose();
        WritePidFile(pidFile, state.Pid);
    }

    private static int Run(StateStore store, string id, string bundle, string? pidFile, bool detach)
    {
        // Handlers go in before the process exists: a signal that arrives while it starts is delivered
        // to it once its pid is known, instead of killing us and orphaning the container.
        var target = 0;
        var pending = new List<int>();
        var gate = new object();
        var forwarded = detach ? [] : new[] { 1, 2, 3, 10, 12, 15, 28 }.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            context.Cancel = true;
            lock (gate)
            {
                if (target > 0)
                {
                    _ = Libc.Kill(target, signal);
                }
                else
                {
                    pending.Add(signal);
                }
            }
        })).ToList();
        try
        {
            var (state, cgroups, init) = Launch(store, id, bundle, withFifo: false);
            init.Channel.Dispose();
            WritePidFile(pidFile, state.Pid);
            if (detach)
            {
                return 0;
            }
            lock (gate)
            {
                target = state.Pid;
                pending.ForEach(signal => Libc.Kill(target, signal));
            }
            var status = ContainerLauncher.Reap(state.Pid);
            StageClock.Mark("process exited");
            if (cgroups.OomKilled())
            {
                Console.Error.WriteLine($"flotilla-runtime: container {id}: a process was killed by the kernel OOM killer (memory limit reached)");
            }
            try
            {
                cgroups.Destroy();
            }
            finally
            {
                store.Remove(id);
            }
            StageClock.Mark("cleaned up");
            return ExitCode(status);
        }
        finally
        {
            forwarded.ForEach(r => r.Dispose());
        }
    }

    public static int ExitCode(int status) =>
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    private static void Start(StateStore store, string id)
    {
        var state = store.Load(id);
        var status = store.Status(state);
        if (status != ContainerStatus.Created)
        {
            throw new RuntimeException($"cannot start container {id} in state {status.ToString().ToLowerInvariant()}; only a created container can be started");
        }
        var fifoPath = store.FifoPath(id);
        // The process holds the fifo open and blocks reading it: one byte lets it exec. With no reader
        // left (the process died), opening for writing fails with ENXIO.
        var fd = Libc.Open(fifoPath, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Libc.Errno;
            throw errno == Libc.ENXIO
                ? new RuntimeException($"container {id}: its init process exited before start")
                : RuntimeException.FromErrno($"opening {fifoPath}", errno);
        }
        try
        {
            byte go = (byte)'0';
            if (Libc.Write(fd, &go, 1) != 1)
            {
                throw RuntimeException.FromErrno($"writing {fifoPath}", Libc.Errno);
            }
        }
        finally
        {
            Libc.Close(fd);
        }
        File.Delete(fifoPath);
    }

    private static void PrintState(StateStore store, string id)
    {
        var state = store.Load(id);
        var status = store.Status(state);
        var oom = Cgroups.Open(state.CgroupPaths).OomKilled();
        var output = new OciState
        {
            OciVersion = state.OciVersion,
            Id = state.Id,
            Status = status.ToString().ToLowerInvariant(),
            Pid = status == ContainerStatus.Stopped ? 0 : state.Pid,
            Bundle = state.Bundle,
            Rootfs = state.Rootfs,
            Created = state.Created,
            Annotations = state.Annotations,
            OomKilled = oom,
        };
        Console.WriteLine(output.ToJson());
    }

    private static void Kill(StateStore store, string id, string signalText, bool all)
    {
        var signal = Signals.Parse(signalText);
        var state = store.Load(id);
        if (store.Status(state) == ContainerStatus.Stopped)
        {
            throw new RuntimeException($"container {id} is not running");
        }
        if (all)
        {
            foreach (var pid in Cgroups.Open(state.CgroupPaths).Processes())
            {
                _ = Libc.Kill(pid, signal);
            }
            return;
        }
        if (Libc.Kill(state.Pid, signal) != 0)
        {
            throw RuntimeException.FromErrno($"sending signal {signal} to container {id}", Libc.Errno);
        }
    }

    private static void Delete(StateStore store, string id, bool force)
    {
        ContainerState state;
        try
        {
            state = store.Load(id);
        }
        catch (RuntimeException) when (force && Directory.Exists(store.Dir(id)))
        {
            store.Remove(id);
            return;
        }
        var status = store.Status(state);
        if (status == ContainerStatus.Running && !force)
        {
            throw new RuntimeException($"cannot delete container {id}: it is running; stop it first or use --force");
        }
        if (status != ContainerStatus.Stopped)
        {
            _ = Libc.Kill(state.Pid, Sys.SIGKILL);
            for (var i = 0; i < 2000 && StateStore.IsAlive(state.Pid, state.PidStartTime); i++)
            {
                Thread.Sleep(5);
            }
        }
        Cgroups.Open(state.CgroupPaths).Destroy();
        store.Remove(id);
    }

    private static void WritePidFile(string? pidFile, int pid)
    {
        if (pidFile is null)
        {
            return;
        }
        var path = Path.GetFullPath(pidFile);
        var temp = path + ".tmp";
        File.WriteAllText(temp, pid.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, path, overwrite: true);
    }
}

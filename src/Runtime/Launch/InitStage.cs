using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// The container's first process (hidden command <c>init &lt;fd&gt;</c>), already inside the new
/// namespaces and cgroup: it builds the root filesystem, waits for <c>start</c> when created, then
/// drops to the spec's user, capabilities and seccomp filter and execs the user process as PID 1.
/// </summary>
internal static unsafe class InitStage
{
    private const int FSetfd = 2, FdCloexec = 1;

    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var fd) || fd < 3)
        {
            Console.Error.WriteLine("flotilla-runtime: init is started by the runtime itself, not by hand");
            return 2;
        }
        Cli.StageClock.Mark("init: main");
        _ = Libc.Fcntl(fd, FSetfd, FdCloexec);
        using var channel = new SyncChannel(fd);
        var parentListening = true;
        try
        {
            var frame = channel.Receive() ?? throw new RuntimeException("the runtime went away before sending the plan");
            if (frame.Kind != SyncMessage.Plan)
            {
                throw new RuntimeException($"sync channel: expected the plan, got '{(char)frame.Kind}'");
            }
            var plan = InitPlan.Deserialize(frame.Payload);
            var spec = plan.Spec;
            var process = spec.Process!;
            var cwd = process.Cwd ?? "/";
            var namespaces = spec.Linux?.Namespaces ?? [];

            _ = Libc.Umask(0);
            var rootfs = new RootfsBuilder(plan);
            Cli.StageClock.Mark("init: plan read");
            rootfs.Prepare(cwd);
            Cli.StageClock.Mark("init: prepared");
            var fifoFd = -1;
            if (plan.FifoPath is { } fifoPath)
            {
                fifoFd = Libc.Open(fifoPath, Libc.O_PATH | Libc.O_CLOEXEC, 0);
                if (fifoFd < 0)
                {
                    throw RuntimeException.FromErrno($"opening the exec fifo {fifoPath}", Libc.Errno);
                }
            }
            rootfs.PivotAndSeal();
            Cli.StageClock.Mark("init: pivoted and sealed");
            if (namespaces.Any(n => n.Type == "uts"))
            {
                SetName(spec.Hostname, static (p, n) => Libc.Sethostname(p, n), "hostname");
                SetName(spec.Domainname, static (p, n) => Libc.Setdomainname(p, n), "domainname");
            }
            if (process.OomScoreAdj is { } oomScoreAdj)
            {
                File.WriteAllText("/proc/self/oom_score_adj", oomScoreAdj.ToString(CultureInfo.InvariantCulture));
            }
            var launch = UserProcess.Prepare(spec);
            if (fifoFd >= 0)
            {
                channel.Send(SyncMessage.Ready);
                parentListening = false;
                WaitForStart(fifoFd);
            }
            else
            {
                channel.Send(SyncMessage.Exec);
            }
            Cli.StageClock.Mark("init: ready to exec");
            launch.Exec(cwd);
            return 127; // not reached: Exec either replaces us or throws
        }
        catch (RuntimeException e)
        {
            Report(channel, parentListening, e.Message);
            return 127;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Report(channel, parentListening, e.Message);
            return 127;
        }
    }

    private static void Report(SyncChannel channel, bool parentListening, string message)
    {
        if (parentListening)
        {
            try
            {
                channel.SendError(message);
                return;
            }
            catch (RuntimeException)
            {
                // the runtime is gone: fall back to stderr
            }
        }
        Console.Error.WriteLine($"flotilla-runtime: {message}");
    }

    /// <summary>Blocks until <c>start</c> opens the exec fifo, then tells it we go.</summary>
    private static void WaitForStart(int fifoPathFd)
    {
        var fifo = Libc.Open(RootPath.FdPath(fifoPathFd), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (fifo < 0)
        {
            throw RuntimeException.FromErrno("opening the exec fifo for writing", Libc.Errno);
        }
        byte zero = (byte)'0';
        if (Libc.Write(fifo, &zero, 1) != 1)
        {
            throw RuntimeException.FromErrno("writing the exec fifo", Libc.Errno);
        }
        Libc.Close(fifo);
        Libc.Close(fifoPathFd);
    }

    private delegate int NameSetter(byte* name, nuint length);

    private static void SetName(string? name, NameSetter setter, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            if (setter(p, (nuint)bytes.Length) != 0)
            {
                throw RuntimeException.FromErrno($"setting the {what} to {name}", Libc.Errno);
            }
        }
    }

    internal static void FreeAll(List<nint> native)
    {
        foreach (var p in native)
        {
            Marshal.FreeHGlobal(p);
        }
    }
}

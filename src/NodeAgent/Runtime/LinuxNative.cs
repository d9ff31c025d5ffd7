using System.Runtime.InteropServices;

namespace Flotilla.NodeAgent.Runtime;

/// <summary>The few Linux system calls the agent makes directly: mounts, reaping and signalling.</summary>
internal static partial class LinuxNative
{
    private const int PrSetChildSubreaper = 36;
    private const int WNoHang = 1;
    public const int ECHILD = 10;
    public const int ESRCH = 3;
    public const int EINVAL = 22;
    public const int MntDetach = 2;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string fileSystemType, nuint flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(nint fd, int mode, long offset, long length);

    /// <summary>
    /// Frees the blocks of [offset, offset+length) without changing the file's size or anyone's file offset,
    /// so a writer appending to the file is undisturbed. False when the file system cannot punch holes.
    /// </summary>
    public static bool PunchHole(SafeHandle file, long offset, long length)
    {
        const int keepSize = 0x01;
        const int punchHole = 0x02;
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            return Fallocate(file.DangerousGetHandle(), keepSize | punchHole, offset, length) == 0;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Makes orphaned descendants (a container's init once <c>runtime create</c> exits) this process's
    /// children, so their exit status can be collected with <see cref="TryReap"/>.
    /// </summary>
    public static void BecomeChildSubreaper()
    {
        if (Prctl(PrSetChildSubreaper, 1, 0, 0, 0) != 0)
        {
            throw new IOException($"prctl(PR_SET_CHILD_SUBREAPER) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Outcome of a non-blocking wait on one pid.</summary>
    public enum ReapResult
    {
        StillRunning,
        Exited,
        NotAChild,
    }

    public static ReapResult TryReap(int pid, out int exitCode)
    {
        exitCode = 0;
        var result = WaitPid(pid, out var status, WNoHang);
        if (result == 0)
        {
            return ReapResult.StillRunning;
        }

        if (result < 0)
        {
            return ReapResult.NotAChild;
        }

        var termSignal = status & 0x7f;
        exitCode = termSignal == 0 ? (status >> 8) & 0xff : 128 + termSignal;
        return ReapResult.Exited;
    }

    /// <summary>True while a process with this pid exists (zombies included).</summary>
    public static bool ProcessExists(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        return Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() != ESRCH;
    }

    public static bool SendSignal(int pid, int signal) => pid > 0 && Kill(pid, signal) == 0;

    /// <param name="volatileUpper">
    /// Mount with <c>volatile</c>: the overlay never syncs its upper filesystem (no fsync, no syncfs at unmount,
    /// which on a busy host costs milliseconds to seconds). Its writable layer may be lost if the host crashes,
    /// so only for layers that are thrown away anyway.
    /// </param>
    public static void MountOverlay(string target, string lowerDirs, string upperDir, string workDir, bool volatileUpper = false)
    {
        var data = $"lowerdir={lowerDirs},upperdir={upperDir},workdir={workDir}{(volatileUpper ? ",volatile" : "")}";
        if (Mount("overlay", target, "overlay", 0, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mounting the container's overlay filesystem at {target} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }

    /// <summary>Unmounts <paramref name="target"/>; false when it was not mounted.</summary>
    public static bool Unmount(string target)
    {
        if (Umount2(target, MntDetach) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is EINVAL or 2)
        {
            return false;
        }

        throw new IOException($"unmounting {target} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
    }

    /// <summary>
    /// True while <paramref name="pid"/> is a live (not zombie) process started at <paramref name="startTime"/>:
    /// false once it died, even when nobody reaped it, or when the pid now belongs to another process.
    /// </summary>
    public static bool IsAlive(int pid, long startTime)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] is not ("Z" or "X") && long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture) == startTime;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The kernel's start time of a process (clock ticks since boot), to tell a pid from a reused one.</summary>
    public static long? ReadStartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Flotilla.NodeAgent.Images;

/// <summary>The few file system calls .NET does not offer: device nodes, hard links, lchown, xattrs, lutimes.</summary>
internal static unsafe partial class LinuxFiles
{
    public const uint CharacterDevice = 0x2000;
    public const uint BlockDevice = 0x6000;
    public const uint Fifo = 0x1000;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int ENotSup = 95;

    public static void MakeNode(string path, uint type, uint permissions, uint major, uint minor) =>
        Check(mknod(path, type | (permissions & 0xFFF), MakeDevice(major, minor)), "mknod", path);

    public static void HardLink(string existing, string link) => Check(LinkNative(existing, link), "link", link);

    public static void ChangeOwner(string path, int uid, int gid) => Check(lchown(path, uid, gid), "lchown", path);

    /// <summary>Sets an extended attribute on the entry itself (not a symlink's target).</summary>
    /// <returns>false when the file system does not support the attribute's namespace.</returns>
    public static bool SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* data = value)
        {
            if (lsetxattr(path, name, data, (nuint)value.Length, 0) == 0)
            {
                return true;
            }
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == ENotSup)
        {
            return false;
        }

        throw new IOException($"lsetxattr {name} on {path}: {new Win32Exception(errno).Message}");
    }

    /// <summary>Reads an extended attribute of the entry itself; null when it is absent.</summary>
    public static byte[]? GetXattr(string path, string name)
    {
        var buffer = new byte[4096];
        fixed (byte* data = buffer)
        {
            var length = lgetxattr(path, name, data, (nuint)buffer.Length);
            return length < 0 ? null : buffer[..(int)length];
        }
    }

    /// <summary>Sets access and modification time without following a symlink.</summary>
    public static void SetTimes(string path, DateTimeOffset modified)
    {
        var seconds = modified.ToUnixTimeSeconds();
        var nanoseconds = (modified.UtcTicks % TimeSpan.TicksPerSecond) * 100;
        var times = stackalloc Timespec[2];
        times[0] = new Timespec(seconds, nanoseconds);
        times[1] = times[0];
        Check(utimensat(AtFdCwd, path, times, AtSymlinkNoFollow), "utimensat", path);
    }

    private static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
        {
            throw new IOException($"{call} {path}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Timespec(long seconds, long nanoseconds)
    {
        public readonly long Seconds = seconds;
        public readonly long Nanoseconds = nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string oldPath, string newPath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte* value, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirFd, string path, Timespec* times, int flags);
}

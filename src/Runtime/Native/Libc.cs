using System.Runtime.InteropServices;

namespace Flotilla.Runtime.Native;

/// <summary>
/// libc entry points (bound at link time through DirectPInvoke). Calls whose result is checked
/// set errno; <see cref="Errno"/> reads it.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000,
        O_PATH = 0x200000;

    public const int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;

    public const int EINTR = 4, ENOENT = 2, EEXIST = 17, ENOTDIR = 20, EINVAL = 22, ESRCH = 3, EBUSY = 16,
        ECHILD = 10, EPERM = 1, EBADF = 9, ENXIO = 6, EXDEV = 18, ELOOP = 40, EAGAIN = 11, ENOSYS = 38,
        ENOTEMPTY = 39;

    public static int Errno => Marshal.GetLastSystemError();

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [DllImport(Lib, EntryPoint = "mount", SetLastError = true)]
    public static extern int Mount([MarshalAs(UnmanagedType.LPUTF8Str)] string? source,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? fstype, ulong flags,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? data);

    [DllImport(Lib, EntryPoint = "umount2", SetLastError = true)]
    public static extern int Umount2([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport(Lib, EntryPoint = "chdir", SetLastError = true)]
    public static extern int Chdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Lib, EntryPoint = "fchdir", SetLastError = true)]
    public static extern int Fchdir(int fd);

    [DllImport(Lib, EntryPoint = "getcwd", SetLastError = true)]
    public static extern byte* Getcwd(byte* buffer, nuint size);

    [DllImport(Lib, EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport(Lib, EntryPoint = "openat", SetLastError = true)]
    public static extern int OpenAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, byte* buffer, nuint count);

    [DllImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static extern nint Write(int fd, byte* buffer, nuint count);

    [DllImport(Lib, EntryPoint = "mkdir", SetLastError = true)]
    public static extern int Mkdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport(Lib, EntryPoint = "rmdir", SetLastError = true)]
    public static extern int Rmdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Lib, EntryPoint = "unlink", SetLastError = true)]
    public static extern int Unlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Lib, EntryPoint = "rename", SetLastError = true)]
    public static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    [DllImport(Lib, EntryPoint = "mkdirat", SetLastError = true)]
    public static extern int MkdirAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport(Lib, EntryPoint = "mknodat", SetLastError = true)]
    public static extern int MknodAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode, ulong dev);

    [DllImport(Lib, EntryPoint = "symlinkat", SetLastError = true)]
    public static extern int SymlinkAt([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int dirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Lib, EntryPoint = "readlinkat", SetLastError = true)]
    public static extern nint ReadlinkAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte* buffer, nuint size);

    [DllImport(Lib, EntryPoint = "fchownat", SetLastError = true)]
    public static extern int FchownAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int uid, int gid, int flags);

    [DllImport(Lib, EntryPoint = "fchmod", SetLastError = true)]
    public static extern int Fchmod(int fd, int mode);

    [DllImport(Lib, EntryPoint = "mkfifo", SetLastError = true)]
    public static extern int Mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [DllImport(Lib, EntryPoint = "sethostname", SetLastError = true)]
    public static extern int Sethostname(byte* name, nuint length);

    [DllImport(Lib, EntryPoint = "setdomainname", SetLastError = true)]
    public static extern int Setdomainname(byte* name, nuint length);

    [DllImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);

    [DllImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static extern int Waitpid(int pid, int* status, int options);

    [DllImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    public static extern int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport(Lib, EntryPoint = "setrlimit", SetLastError = true)]
    public static extern int Setrlimit(int resource, ulong* limits);

    [DllImport(Lib, EntryPoint = "umask")]
    public static extern int Umask(int mask);

    [DllImport(Lib, EntryPoint = "socketpair", SetLastError = true)]
    public static extern int Socketpair(int domain, int type, int protocol, int* fds);

    [DllImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static extern int Fcntl(int fd, int cmd, int arg);

    [DllImport(Lib, EntryPoint = "sendfile", SetLastError = true)]
    public static extern nint Sendfile(int outFd, int inFd, long* offset, nuint count);

    [DllImport(Lib, EntryPoint = "setns", SetLastError = true)]
    public static extern int Setns(int fd, int nstype);

    [DllImport(Lib, EntryPoint = "getpid")]
    public static extern int Getpid();

    [DllImport(Lib, EntryPoint = "fstatfs", SetLastError = true)]
    public static extern int Fstatfs(int fd, byte* buffer);

    [DllImport(Lib, EntryPoint = "execve", SetLastError = true)]
    public static extern int Execve(byte* path, byte** argv, byte** envp);

    [DllImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static extern long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    /// <summary>
    /// The same syscall(2) entry without a GC transition and without touching errno handling:
    /// the only call allowed in a freshly cloned child, where no other runtime thread exists.
    /// </summary>
    [DllImport(Lib, EntryPoint = "syscall"), SuppressGCTransition]
    public static extern long RawSyscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [DllImport(Lib, EntryPoint = "__errno_location"), SuppressGCTransition]
    public static extern int* ErrnoLocation();

    [DllImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(PollFd* fds, nuint count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    public const short POLLIN = 1, POLLHUP = 0x10;
}

namespace Flotilla.Runtime.Native;

/// <summary>x86-64 system call numbers and flags used directly through syscall(2).</summary>
internal static class Sys
{
    public const long Read = 0, Write = 1, Close = 3, Ioctl = 16, Getpid = 39, Exit = 60, Kill = 62, Setgroups = 116,
        Setresuid = 117, Setresgid = 119, Capset = 126, Prctl = 157, PivotRoot = 155, Unshare = 272,
        Setns = 308, Execveat = 322, Seccomp = 317, Memfd = 319, ExitGroup = 231, Clone3 = 435, CloseRange = 436,
        Openat2 = 437, Dup3 = 292, Open = 2, Umask = 95, Chdir = 80, Fchdir = 81, Mount = 165, Umount2 = 166,
        Sethostname = 170, Setdomainname = 171, Openat = 257, Mkdirat = 258, Mknodat = 259, Fchownat = 260,
        Symlinkat = 266, OpenTree = 428, MoveMount = 429, MountSetattr = 442;

    public const long OPEN_TREE_CLONE = 1, AT_RECURSIVE = 0x8000, AT_EMPTY_PATH = 0x1000, AT_FDCWD = -100,
        MOVE_MOUNT_F_EMPTY_PATH = 4, MOVE_MOUNT_T_EMPTY_PATH = 0x40;

    /// <summary>mount_setattr(2) attributes (struct mount_attr.attr_set / attr_clr).</summary>
    public const ulong MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4, MOUNT_ATTR_NOEXEC = 8,
        MOUNT_ATTR__ATIME = 0x70, MOUNT_ATTR_NOATIME = 0x10, MOUNT_ATTR_STRICTATIME = 0x20, MOUNT_ATTR_NODIRATIME = 0x80,
        MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    public const ulong CLONE_NEWTIME = 0x80, CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400,
        CLONE_PIDFD = 0x1000, CLONE_PARENT = 0x8000, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000,
        CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000,
        CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000, CLONE_INTO_CGROUP = 0x200000000;

    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
        MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
        MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
        MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19, MS_SHARED = 1 << 20,
        MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

    public const int MNT_DETACH = 2;

    public const ulong RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
        RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10;

    public const int PR_SET_PDEATHSIG = 1, PR_SET_DUMPABLE = 4, PR_SET_KEEPCAPS = 8, PR_CAPBSET_DROP = 24,
        PR_SET_NO_NEW_PRIVS = 38, PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_CLEAR_ALL = 4,
        PR_SET_SECCOMP = 22, SECCOMP_MODE_FILTER = 2;

    public const int SIGKILL = 9, SIGTERM = 15, SIGCHLD = 17;

    public const uint CloseRangeCloexec = 1 << 2;
}

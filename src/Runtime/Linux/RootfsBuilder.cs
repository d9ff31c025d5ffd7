using System.Globalization;
using Flotilla.Runtime.Launch;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;
using static Flotilla.Runtime.Native.Sys;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Builds the container's filesystem view inside its new mount namespace: spec mounts (targets opened
/// with RESOLVE_IN_ROOT and mounted through /proc/self/fd, so no symlink can aim them outside),
/// /dev nodes, pivot_root, masked and read-only paths, and the read-only root.
/// </summary>
internal sealed unsafe class RootfsBuilder(InitPlan plan)
{
    private static readonly (string Name, int Major, int Minor)[] DefaultDevices =
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

    private readonly RuntimeSpec _spec = plan.Spec;
    private readonly string _rootfs = plan.Rootfs;

    /// <summary>Everything before pivot_root; <paramref name="cwd"/> is checked and created here.</summary>
    public void Prepare(string cwd)
    {
        var propagation = _spec.Linux?.RootfsPropagation is { } p ? MountOptions.Propagation(p)!.Value : MS_SLAVE | MS_REC;
        // Nothing we mount may propagate back to the host: make the whole tree slave (or as asked) first.
        Check(Libc.Mount(null, "/", null, (propagation & MS_SHARED) != 0 ? MS_SLAVE | MS_REC : propagation | MS_REC, null), "making / a slave mount");
        Check(Libc.Mount(_rootfs, _rootfs, null, MS_BIND | MS_REC, null), $"bind-mounting the root filesystem {_rootfs}");

        using var root = new RootPath(_rootfs);
        var devMounted = false;
        foreach (var mount in _spec.Mounts ?? [])
        {
            MountOne(root, mount);
            devMounted |= mount.Destination is "/dev" && mount.Type is not "bind" && mount.Options?.Contains("bind") != true && mount.Options?.Contains("rbind") != true;
        }
        if (devMounted)
        {
            CreateDevices(root);
        }
        foreach (var device in _spec.Linux?.Devices ?? [])
        {
            CreateDevice(root, device.Path, device.Type, device.Major, device.Minor, device.FileMode ?? 0x1b6, device.Uid, device.Gid);
        }
        CheckCwd(root, cwd);
    }

    /// <summary>pivot_root into the prepared root, then the things that must be done from inside.</summary>
    public void PivotAndSeal()
    {
        Check(Libc.Chdir(_rootfs), "entering the root filesystem");
        // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops the old root.
        fixed (byte* dot = ".\0"u8)
        {
            Check((int)Libc.Syscall(PivotRoot, (long)dot, (long)dot, 0, 0, 0, 0), "pivot_root");
        }
        Check(Libc.Umount2(".", MNT_DETACH), "detaching the old root");
        Check(Libc.Chdir("/"), "chdir /");
        if (_spec.Linux?.RootfsPropagation is { } p)
        {
            Check(Libc.Mount(null, "/", null, MountOptions.Propagation(p)!.Value, null), $"setting root propagation {p}");
        }
        foreach (var (key, value) in _spec.Linux?.Sysctl ?? new Dictionary<string, string>())
        {
            try
            {
                File.WriteAllText("/proc/sys/" + key.Replace('.', '/'), value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RuntimeException($"setting sysctl {key}={value}: {e.Message}");
            }
        }
        foreach (var path in _spec.Linux?.MaskedPaths ?? [])
        {
            Mask(path);
        }
        foreach (var path in _spec.Linux?.ReadonlyPaths ?? [])
        {
            MakeReadonly(path);
        }
        if (_spec.Root?.Readonly == true)
        {
            Check(Libc.Mount(null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY | LockedFlags("/"), null), "making the root filesystem read-only");
        }
    }

    private void MountOne(RootPath root, MountSpec mount)
    {
        var destination = mount.Destination!;
        var options = MountOptions.Parse(mount.Options, mount.Type);
        if (mount.Type is "cgroup" or "cgroup2")
        {
            MountCgroups(root, destination, options);
            return;
        }
        if (options.Bind)
        {
            var source = mount.Source!;
            if (!source.StartsWith('/'))
            {
                source = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(_rootfs) ?? "/", source));
            }
            var isDir = Directory.Exists(source);
            if (!isDir && !File.Exists(source))
            {
                throw new RuntimeException($"mount {destination}: source {source} does not exist");
            }
            var fd = isDir ? root.MkdirAll(destination) : root.CreateFile(destination);
            try
            {
                Check(Libc.Mount(source, RootPath.FdPath(fd), null, MS_BIND | (options.Recursive ? MS_REC : 0), null), $"bind-mounting {source} on {destination}");
            }
            finally
            {
                Libc.Close(fd);
            }
            if ((options.Flags & ~MS_REMOUNT) != 0)
            {
                Remount(root, destination, options.Flags & ~MS_REMOUNT, options.Recursive);
            }
        }
        else
        {
            var fd = root.MkdirAll(destination);
            try
            {
                var type = mount.Type ?? "none";
                var flags = options.Flags;
                var result = Libc.Mount(mount.Source ?? type, RootPath.FdPath(fd), type, flags, options.Data);
                if (result != 0 && type == "sysfs" && Libc.Errno == Libc.EPERM)
                {
                    // In a user namespace that does not own the network namespace, sysfs cannot be
                    // mounted: bind the host's read-only instead (runc does the same).
                    result = Libc.Mount("/sys", RootPath.FdPath(fd), null, MS_BIND | MS_REC, null);
                    if (result == 0)
                    {
                        Libc.Close(fd);
                        fd = -1;
                        Remount(root, destination, flags | MS_RDONLY, true);
                    }
                }
                if (result != 0 && type == "mqueue" && Libc.Errno == Libc.EPERM)
                {
                    result = Libc.Mount("/dev/mqueue", RootPath.FdPath(fd), null, MS_BIND, null);
                }
                Check(result, $"mounting {type} on {destination}");
            }
            finally
            {
                if (fd >= 0)
                {
                    Libc.Close(fd);
                }
            }
        }
        foreach (var propagation in options.PropagationFlags)
        {
            var fd = root.Open(destination);
            try
            {
                Check(Libc.Mount(null, RootPath.FdPath(fd), null, propagation, null), $"setting propagation of {destination}");
            }
            finally
            {
                Libc.Close(fd);
            }
        }
    }

    /// <summary>A tmpfs at the destination with the container's own cgroup directories bound under it.</summary>
    private void MountCgroups(RootPath root, string destination, MountOptions options)
    {
        if (plan.CgroupMounts is [{ IsV2: true } unified])
        {
            // cgroup v2 only: the container's own cgroup directory is the whole tree it sees.
            var v2 = root.MkdirAll(destination);
            try
            {
                Check(Libc.Mount(unified.HostDir, RootPath.FdPath(v2), null, MS_BIND | MS_REC, null), $"binding cgroup {unified.HostDir} on {destination}");
            }
            finally
            {
                Libc.Close(v2);
            }
            Remount(root, destination, (options.Flags & MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, false);
            return;
        }
        var fd = root.MkdirAll(destination);
        try
        {
            Check(Libc.Mount("tmpfs", RootPath.FdPath(fd), "tmpfs", (options.Flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755"), $"mounting tmpfs on {destination}");
        }
        finally
        {
            Libc.Close(fd);
        }
        foreach (var cgroup in plan.CgroupMounts)
        {
            var target = destination.TrimEnd('/') + "/" + cgroup.Name;
            var sub = root.MkdirAll(target);
            try
            {
                Check(Libc.Mount(cgroup.HostDir, RootPath.FdPath(sub), null, MS_BIND | MS_REC, null), $"binding cgroup {cgroup.HostDir} on {target}");
            }
            finally
            {
                Libc.Close(sub);
            }
            Remount(root, target, (options.Flags & MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, false);
        }
        // Like runc, "ro" applies to the cgroup directories; the tmpfs holding them stays writable.
    }

    private static void Remount(RootPath root, string destination, ulong flags, bool recursive)
    {
        var fd = root.Open(destination);
        try
        {
            var path = RootPath.FdPath(fd);
            Check(Libc.Mount(null, path, null, MS_BIND | MS_REMOUNT | flags | LockedFlags(path) | (recursive ? MS_REC : 0), null), $"remounting {destination}");
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private void CreateDevices(RootPath root)
    {
        foreach (var (name, major, minor) in DefaultDevices)
        {
            CreateDevice(root, "/dev/" + name, "c", major, minor, 0x1b6, 0, 0);
        }
        var dev = root.Open("/dev");
        try
        {
            foreach (var (link, target) in new[] { ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2") })
            {
                if (Libc.SymlinkAt(target, dev, link) != 0 && Libc.Errno != Libc.EEXIST)
                {
                    throw RuntimeException.FromErrno($"creating /dev/{link}", Libc.Errno);
                }
            }
            if (root.TryOpen("/dev/pts/ptmx") is var ptmx and >= 0)
            {
                Libc.Close(ptmx);
                if (Libc.SymlinkAt("pts/ptmx", dev, "ptmx") != 0 && Libc.Errno != Libc.EEXIST)
                {
                    throw RuntimeException.FromErrno("creating /dev/ptmx", Libc.Errno);
                }
            }
        }
        finally
        {
            Libc.Close(dev);
        }
    }

    private void CreateDevice(RootPath root, string path, string type, long major, long minor, int mode, long? uid, long? gid)
    {
        if (plan.InUserNamespace)
        {
            // No mknod in a user namespace: bind the host's node onto an empty file.
            var hostPath = path;
            if (!File.Exists(hostPath))
            {
                throw new RuntimeException($"device {path}: the host has no such node to bind in a user namespace");
            }
            var fd = root.CreateFile(path);
            try
            {
                Check(Libc.Mount(hostPath, RootPath.FdPath(fd), null, MS_BIND, null), $"binding device {path}");
            }
            finally
            {
                Libc.Close(fd);
            }
            return;
        }
        var parent = root.MkdirAll(Path.GetDirectoryName(path)!);
        try
        {
            var name = Path.GetFileName(path);
            var kind = type switch { "b" => 0x6000, "p" => 0x1000, _ => 0x2000 };
            var dev = ((ulong)(major & 0xfff) << 8) | (ulong)(minor & 0xff) | ((ulong)(minor & ~0xff) << 12) | ((ulong)(major & ~0xfff) << 32);
            // The init stage runs with umask 0, so the node gets exactly this mode.
            if (Libc.MknodAt(parent, name, kind | (mode & 0xfff), dev) != 0 && Libc.Errno != Libc.EEXIST)
            {
                throw RuntimeException.FromErrno($"creating device {path}", Libc.Errno);
            }
            if (Libc.FchownAt(parent, name, (int)(uid ?? 0), (int)(gid ?? 0), Libc.AT_SYMLINK_NOFOLLOW) != 0)
            {
                throw RuntimeException.FromErrno($"chown of device {path}", Libc.Errno);
            }
        }
        finally
        {
            Libc.Close(parent);
        }
    }

    private static void CheckCwd(RootPath root, string cwd)
    {
        if (root.ClimbsOutOfRoot(cwd))
        {
            throw new RuntimeException($"process.cwd {cwd} leads outside the container's root filesystem; refusing it");
        }
        var fd = root.TryOpen(cwd, RESOLVE_NO_MAGICLINKS, Libc.O_DIRECTORY);
        if (fd == -Libc.ENOENT)
        {
            fd = root.MkdirAll(cwd);
        }
        else if (fd == -Libc.ELOOP || fd == -Libc.EXDEV)
        {
            throw new RuntimeException($"process.cwd {cwd} goes through a magic link (like /proc/self/fd); refusing it");
        }
        else if (fd < 0)
        {
            throw RuntimeException.FromErrno($"process.cwd {cwd}", -fd);
        }
        Libc.Close(fd);
    }

    private static void Mask(string path)
    {
        var isDir = Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null;
        if (!isDir && !File.Exists(path))
        {
            return;
        }
        var result = isDir
            ? Libc.Mount("tmpfs", path, "tmpfs", MS_RDONLY, null)
            : Libc.Mount("/dev/null", path, null, MS_BIND, null);
        if (result != 0 && Libc.Errno != Libc.ENOENT)
        {
            throw RuntimeException.FromErrno($"masking {path}", Libc.Errno);
        }
    }

    private static void MakeReadonly(string path)
    {
        if (Libc.Mount(path, path, null, MS_BIND | MS_REC, null) != 0)
        {
            if (Libc.Errno == Libc.ENOENT)
            {
                return;
            }
            throw RuntimeException.FromErrno($"making {path} read-only", Libc.Errno);
        }
        Check(Libc.Mount(null, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | LockedFlags(path), null), $"making {path} read-only");
    }

    /// <summary>
    /// The flags of the mount at <paramref name="path"/> that a remount must keep: in a user namespace
    /// the kernel refuses to clear nosuid/nodev/noexec/atime flags locked by a more privileged owner.
    /// </summary>
    internal static ulong LockedFlags(string path)
    {
        var fd = Libc.Open(path, Libc.O_PATH | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return 0;
        }
        try
        {
            var buffer = stackalloc byte[120];
            if (Libc.Fstatfs(fd, buffer) != 0)
            {
                return 0;
            }
            var st = *(ulong*)(buffer + 80);
            ulong flags = 0;
            flags |= (st & 2) != 0 ? MS_NOSUID : 0;
            flags |= (st & 4) != 0 ? MS_NODEV : 0;
            flags |= (st & 8) != 0 ? MS_NOEXEC : 0;
            flags |= (st & 1024) != 0 ? MS_NOATIME : 0;
            flags |= (st & 2048) != 0 ? MS_NODIRATIME : 0;
            flags |= (st & 4096) != 0 ? MS_RELATIME : 0;
            return flags;
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw RuntimeException.FromErrno(what, Libc.Errno);
        }
    }

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}

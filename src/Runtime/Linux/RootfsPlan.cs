using System.Buffers.Binary;
using System.Text;
using Flotilla.Runtime.Launch;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;
using static Flotilla.Runtime.Native.Sys;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Compiles the container's filesystem view into ops the cloned child runs (see <see cref="ChildProgram"/>):
/// spec mounts, /dev nodes, pivot_root, sysctls, masked and read-only paths, the read-only root. The child
/// does no path logic: every target is opened with openat2(root, path, RESOLVE_IN_ROOT) and mounted on
/// through /proc/self/fd/N, and missing directories are made one component at a time with mkdirat on such
/// an fd, so no symlink (in the image or raced in) can aim a mount outside the root. Flags are changed
/// with mount_setattr, which leaves flags a user namespace locked as they are.
/// </summary>
internal sealed class RootfsPlan
{
    private static readonly (string Name, int Major, int Minor)[] DefaultDevices =
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

    private readonly ChildProgramBuilder _b;
    private readonly RuntimeSpec _spec;
    private readonly string _rootfs;
    private readonly bool _inUserNamespace;
    private readonly IReadOnlyList<CgroupMountPoint> _cgroupMounts;

    /// <summary>Emits the ops that wait for the container's cgroups; run once, before the first use of them.</summary>
    private Action? _beforeCgroups;

    /// <summary>Container directories known to exist at the current point of the program.</summary>
    private readonly HashSet<string> _known = ["/"];

    /// <summary>Destinations mounted so far in the program: below them, only the child can create anything.</summary>
    private readonly List<string> _mounted = [];
    private int _root;

    private RootfsPlan(ChildProgramBuilder builder, LoadedSpec loaded, bool inUserNamespace, IReadOnlyList<CgroupMountPoint> cgroupMounts, Action? beforeCgroups)
    {
        _beforeCgroups = beforeCgroups;
        _b = builder;
        _spec = loaded.Spec;
        _rootfs = loaded.Rootfs;
        _inUserNamespace = inUserNamespace;
        _cgroupMounts = cgroupMounts;
    }

    /// <summary>
    /// Appends the ops; checks what can be checked here (bind sources, host devices, cwd escapes) first.
    /// <paramref name="beforeCgroups"/> emits ops that wait until the cgroup directories exist (they are
    /// made while the child works): it runs before the cgroup mount, or before pivot_root at the latest.
    /// </summary>
    public static void Compile(ChildProgramBuilder builder, LoadedSpec loaded, bool inUserNamespace, IReadOnlyList<CgroupMountPoint> cgroupMounts,
        string cwd, Action? beforeCgroups = null) =>
        new RootfsPlan(builder, loaded, inUserNamespace, cgroupMounts, beforeCgroups).Compile(cwd);

    private void CgroupsNeeded()
    {
        _beforeCgroups?.Invoke();
        _beforeCgroups = null;
    }

    private void Compile(string cwd)
    {
        _b.Emit("clearing the umask", Umask, 0);
        var propagation = _spec.Linux?.RootfsPropagation is { } p ? MountOptions.Propagation(p)!.Value : MS_SLAVE | MS_REC;
        // Nothing we mount may propagate back to the host: make the whole tree slave (or as asked) first.
        var first = (propagation & MS_SHARED) != 0 ? MS_SLAVE | MS_REC : propagation | MS_REC;
        _b.Emit("making / a slave mount", Mount, 0, _b.Str("/"), 0, (long)first, 0);
        _b.Emit($"bind-mounting the root filesystem {_rootfs}", Mount, _b.Str(_rootfs), _b.Str(_rootfs), 0, (long)(MS_BIND | MS_REC), 0);
        // Opened after the bind, so lookups see the mounts made on it.
        _root = _b.Emit($"opening the root filesystem {_rootfs}", Open, _b.Str(_rootfs), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);

        var devMounted = false;
        foreach (var mount in _spec.Mounts ?? [])
        {
            MountOne(mount);
            devMounted |= Normalize(mount.Destination!) is "/dev" && mount.Type is not "bind" &&
                mount.Options?.Contains("bind") != true && mount.Options?.Contains("rbind") != true;
        }
        if (devMounted)
        {
            CreateDefaultDevices();
        }
        foreach (var device in _spec.Linux?.Devices ?? [])
        {
            CreateDevice(device.Path, device.Type, device.Major, device.Minor, device.FileMode ?? 0x1b6, device.Uid, device.Gid);
        }
        CheckCwd(cwd);
        CgroupsNeeded();

        // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops the old root.
        _b.Emit("entering the root filesystem", Fchdir, OpArg.Fd(_root));
        _b.Emit("pivot_root", PivotRoot, _b.Str("."), _b.Str("."));
        _b.Emit("detaching the old root", Umount2, _b.Str("."), MNT_DETACH);
        _b.Emit("chdir /", Chdir, _b.Str("/"));
        _b.Close(_root);
        if (_spec.Linux?.RootfsPropagation is { } rootPropagation)
        {
            _b.Emit($"setting root propagation {rootPropagation}", Mount, 0, _b.Str("/"), 0, (long)MountOptions.Propagation(rootPropagation)!.Value, 0);
        }
        if (_spec.Linux?.Namespaces?.Any(n => n.Type == "uts") == true)
        {
            SetName(_spec.Hostname, Sethostname, "hostname");
            SetName(_spec.Domainname, Setdomainname, "domainname");
        }
        foreach (var (key, value) in _spec.Linux?.Sysctl ?? new Dictionary<string, string>())
        {
            var what = $"setting sysctl {key}={value}";
            var fd = _b.Emit(what, Open, _b.Str("/proc/sys/" + key.Replace('.', '/')), Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
            _b.Emit(what, Write, OpArg.Fd(fd), _b.Str(value), Encoding.UTF8.GetByteCount(value));
            _b.Close(fd);
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
            _b.Emit("making the root filesystem read-only", MountSetattr, AT_FDCWD, _b.Str("/"), 0, Attributes(MS_RDONLY, 0), 32);
        }
    }

    private void MountOne(MountSpec mount)
    {
        var destination = Normalize(mount.Destination!);
        var options = MountOptions.Parse(mount.Options, mount.Type);
        if (mount.Type is "cgroup" or "cgroup2")
        {
            MountCgroups(destination, options);
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
            var target = isDir ? MkdirAll(destination) : CreateFile(destination);
            _b.Emit($"bind-mounting {source} on {destination}", Mount, _b.Str(source), OpArg.FdPath(target), 0,
                (long)(MS_BIND | (options.Recursive ? MS_REC : 0)), 0);
            _b.Close(target);
            Mounted(destination);
            if ((options.Flags & ~MS_REMOUNT) != 0 || options.ClearedFlags != 0)
            {
                SetAttributes(destination, options.Flags & ~MS_REMOUNT, options.ClearedFlags);
            }
        }
        else
        {
            var target = MkdirAll(destination);
            var type = mount.Type ?? "none";
            var mounted = _b.Emit($"mounting {type} on {destination}", Mount, _b.Str(mount.Source ?? type), OpArg.FdPath(target),
                _b.Str(type), (long)options.Flags, options.Data is { } data ? _b.Str(data) : 0);
            if (type == "sysfs")
            {
                // In a user namespace that does not own the network namespace, sysfs cannot be mounted:
                // bind the host's read-only instead (runc does the same).
                _b.Tolerate(mounted, Libc.EPERM);
                var fallback = _b.Count;
                var what = $"binding the host's /sys on {destination}";
                var tree = _b.Emit(what, OpenTree, AT_FDCWD, _b.Str("/sys"), OPEN_TREE_CLONE | Libc.O_CLOEXEC | AT_RECURSIVE);
                _b.Emit(what, MountSetattr, OpArg.Fd(tree), _b.Str(""), AT_EMPTY_PATH | AT_RECURSIVE, Attributes(options.Flags | MS_RDONLY, 0), 32);
                _b.Emit(what, MoveMount, OpArg.Fd(tree), _b.Str(""), OpArg.Fd(target), _b.Str(""), MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
                _b.Close(tree);
                _b.SkipOnSuccess(mounted, _b.Count - fallback);
            }
            else if (type == "mqueue")
            {
                _b.Tolerate(mounted, Libc.EPERM);
                _b.Emit($"binding the host's /dev/mqueue on {destination}", Mount, _b.Str("/dev/mqueue"), OpArg.FdPath(target), 0, (long)MS_BIND, 0);
                _b.SkipOnSuccess(mounted, 1);
            }
            _b.Close(target);
            Mounted(destination);
        }
        foreach (var propagation in options.PropagationFlags)
        {
            var fd = OpenIn(destination);
            _b.Emit($"setting propagation of {destination}", Mount, 0, OpArg.FdPath(fd), 0, (long)propagation, 0);
            _b.Close(fd);
        }
    }

    /// <summary>A tmpfs at the destination with the container's own cgroup directories bound under it.</summary>
    private void MountCgroups(string destination, MountOptions options)
    {
        CgroupsNeeded();
        var flags = (options.Flags & MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (_cgroupMounts is [{ IsV2: true } unified])
        {
            // cgroup v2 only: the container's own cgroup directory is the whole tree it sees.
            var v2 = MkdirAll(destination);
            _b.Emit($"binding cgroup {unified.HostDir} on {destination}", Mount, _b.Str(unified.HostDir), OpArg.FdPath(v2), 0, (long)(MS_BIND | MS_REC), 0);
            _b.Close(v2);
            Mounted(destination);
            SetAttributes(destination, flags, 0);
            return;
        }
        var fd = MkdirAll(destination);
        _b.Emit($"mounting tmpfs on {destination}", Mount, _b.Str("tmpfs"), OpArg.FdPath(fd), _b.Str("tmpfs"),
            (long)((options.Flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC), _b.Str("mode=755"));
        _b.Close(fd);
        Mounted(destination);
        foreach (var cgroup in _cgroupMounts)
        {
            var target = destination + "/" + cgroup.Name;
            var sub = MkdirAll(target);
            _b.Emit($"binding cgroup {cgroup.HostDir} on {target}", Mount, _b.Str(cgroup.HostDir), OpArg.FdPath(sub), 0, (long)(MS_BIND | MS_REC), 0);
            _b.Close(sub);
            Mounted(target);
            // Like runc, "ro" applies to the cgroup directories; the tmpfs holding them stays writable.
            SetAttributes(target, flags, 0);
        }
    }

    private void SetAttributes(string destination, ulong set, ulong clear)
    {
        var fd = OpenIn(destination);
        _b.Emit($"remounting {destination}", MountSetattr, OpArg.Fd(fd), _b.Str(""), AT_EMPTY_PATH, Attributes(set, clear), 32);
        _b.Close(fd);
    }

    private void CreateDefaultDevices()
    {
        foreach (var (name, major, minor) in DefaultDevices)
        {
            CreateDevice("/dev/" + name, "c", major, minor, 0x1b6, 0, 0);
        }
        var dev = OpenIn("/dev");
        var links = new List<(string Link, string Target)> { ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2") };
        if (_spec.Mounts?.Any(m => m.Type == "devpts" && Normalize(m.Destination!) == "/dev/pts") == true)
        {
            links.Add(("ptmx", "pts/ptmx"));
        }
        foreach (var (link, target) in links)
        {
            var op = _b.Emit($"creating /dev/{link}", Symlinkat, _b.Str(target), OpArg.Fd(dev), _b.Str(link));
            _b.Tolerate(op, Libc.EEXIST);
        }
        _b.Close(dev);
    }

    private void CreateDevice(string path, string type, long major, long minor, int mode, long? uid, long? gid)
    {
        if (_inUserNamespace)
        {
            // No mknod in a user namespace: bind the host's node onto an empty file.
            if (!File.Exists(path))
            {
                throw new RuntimeException($"device {path}: the host has no such node to bind in a user namespace");
            }
            var target = CreateFile(path);
            _b.Emit($"binding device {path}", Mount, _b.Str(path), OpArg.FdPath(target), 0, (long)MS_BIND, 0);
            _b.Close(target);
            return;
        }
        var parent = MkdirAll(Path.GetDirectoryName(path)!);
        var name = _b.Str(Path.GetFileName(path));
        var kind = type switch { "b" => 0x6000, "p" => 0x1000, _ => 0x2000 };
        var dev = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32);
        // The child runs with umask 0, so the node gets exactly this mode.
        var made = _b.Emit($"creating device {path}", Mknodat, OpArg.Fd(parent), name, kind | (mode & 0xfff), dev);
        _b.Tolerate(made, Libc.EEXIST);
        _b.Emit($"chown of device {path}", Fchownat, OpArg.Fd(parent), name, uid ?? 0, gid ?? 0, Libc.AT_SYMLINK_NOFOLLOW);
        _b.Close(parent);
    }

    private void CheckCwd(string cwd)
    {
        using (var root = new RootPath(_rootfs))
        {
            if (root.ClimbsOutOfRoot(cwd))
            {
                throw new RuntimeException($"process.cwd {cwd} leads outside the container's root filesystem; refusing it");
            }
        }
        var probe = OpenIn(cwd, RESOLVE_NO_MAGICLINKS, Libc.O_DIRECTORY, $"opening process.cwd {cwd}");
        var magic = $"process.cwd {cwd} goes through a magic link (like /proc/self/fd); refusing it";
        _b.Explain(probe, Libc.ELOOP, magic);
        _b.Explain(probe, Libc.EXDEV, magic);
        _b.Tolerate(probe, Libc.ENOENT);
        var create = _b.Count;
        // Made by the child, and only when missing: it may lie under a magic link the probe refuses.
        _b.Close(MkdirAll(cwd, inChild: true));
        _b.SkipOnSuccess(probe, _b.Count - create);
        _b.Close(probe);
    }

    private void Mask(string path)
    {
        // A file gets /dev/null over it, a directory an empty read-only tmpfs. The wrong one fails with
        // ENOTDIR and the other follows; a failed bind costs an RCU grace period, so the likely one goes first.
        var bind = ("/dev/null", 0L, (long)MS_BIND);
        var tmpfs = ("tmpfs", _b.Str("tmpfs").Value, (long)MS_RDONLY);
        var (first, second) = LooksLikeDirectory(path) ? (tmpfs, bind) : (bind, tmpfs);
        var tried = _b.Emit($"masking {path}", Mount, _b.Str(first.Item1), _b.Str(path), first.Item2, first.Item3, 0);
        _b.Tolerate(tried, Libc.ENOENT, 1);
        _b.Tolerate(tried, Libc.ENOTDIR);
        _b.SkipOnSuccess(tried, 1);
        var fallback = _b.Emit($"masking {path}", Mount, _b.Str(second.Item1), _b.Str(path), second.Item2, second.Item3, 0);
        _b.Tolerate(fallback, Libc.ENOENT);
    }

    /// <summary>/proc and /sys paths as this kernel shows them on the host; others as the image has them.</summary>
    private bool LooksLikeDirectory(string path)
    {
        if (path.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/sys/", StringComparison.Ordinal))
        {
            return Directory.Exists(path);
        }
        using var root = new RootPath(_rootfs);
        var fd = root.TryOpen(path);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            return Directory.Exists(RootPath.FdPath(fd));
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private void MakeReadonly(string path)
    {
        var what = $"making {path} read-only";
        var tree = _b.Emit(what, OpenTree, AT_FDCWD, _b.Str(path), OPEN_TREE_CLONE | Libc.O_CLOEXEC | AT_RECURSIVE);
        _b.Tolerate(tree, Libc.ENOENT, 3);
        _b.Emit(what, MountSetattr, OpArg.Fd(tree), _b.Str(""), AT_EMPTY_PATH | AT_RECURSIVE, Attributes(MS_RDONLY, 0), 32);
        _b.Emit(what, MoveMount, OpArg.Fd(tree), _b.Str(""), AT_FDCWD, _b.Str(path), MOVE_MOUNT_F_EMPTY_PATH);
        _b.Close(tree);
    }

    private void SetName(string? name, long syscall, string what)
    {
        if (!string.IsNullOrEmpty(name))
        {
            _b.Emit($"setting the {what} to {name}", syscall, _b.Str(name), Encoding.UTF8.GetByteCount(name));
        }
    }

    /// <summary>
    /// Ops leaving an O_PATH fd to <paramref name="path"/>, creating missing directories on the way: here,
    /// through <see cref="RootPath"/> (which also follows a dangling symlink inside the root, as runc does),
    /// when the path is in the image itself; in the child, one mkdirat at a time, when it is in a mount.
    /// </summary>
    private int MkdirAll(string path, bool inChild = false)
    {
        if (!inChild && !InMount(path))
        {
            using var root = new RootPath(_rootfs);
            Libc.Close(root.MkdirAll(path));
            return OpenIn(path);
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var start = parts.Length;
        while (start > 0 && !_known.Contains(Join(parts, start)))
        {
            start--;
        }
        if (start == parts.Length)
        {
            return OpenIn(path);
        }
        var parent = start == 0 ? _root : OpenIn(Join(parts, start));
        for (var i = start; i < parts.Length; i++)
        {
            var next = Join(parts, i + 1);
            var made = _b.Emit($"creating {next} inside the root filesystem", Mkdirat, OpArg.Fd(parent), _b.Str(parts[i]), 0x1ed);
            _b.Tolerate(made, Libc.EEXIST);
            var fd = OpenIn(next);
            if (parent != _root)
            {
                _b.Close(parent);
            }
            parent = fd;
            _known.Add(next);
        }
        return parent;
    }

    /// <summary>Ops leaving an O_PATH fd to a regular file at <paramref name="path"/> (a bind target), made if missing.</summary>
    private int CreateFile(string path)
    {
        if (!InMount(path))
        {
            using var root = new RootPath(_rootfs);
            Libc.Close(root.CreateFile(path));
            return OpenIn(path);
        }
        var parent = MkdirAll(Path.GetDirectoryName(path) ?? "/");
        var made = _b.Emit($"creating {path} inside the root filesystem", Openat, OpArg.Fd(parent), _b.Str(Path.GetFileName(path)),
            Libc.O_CREAT | Libc.O_EXCL | Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x1a4);
        _b.Tolerate(made, Libc.EEXIST);
        _b.Close(made);
        _b.Close(parent);
        return OpenIn(path);
    }

    private int OpenIn(string path, ulong extraResolve = 0, int flags = 0, string? what = null)
    {
        var how = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(how, (ulong)(Libc.O_PATH | Libc.O_CLOEXEC | flags));
        BinaryPrimitives.WriteUInt64LittleEndian(how.AsSpan(16), RESOLVE_IN_ROOT | extraResolve);
        var relative = path.TrimStart('/');
        var op = _b.Emit(what ?? $"opening {path} inside the root filesystem", Openat2, OpArg.Fd(_root),
            _b.Str(relative.Length == 0 ? "." : relative), _b.Bytes(how), 24);
        _b.SetFlags(op, ChildOp.FlagRetryEagain);
        return op;
    }

    /// <summary>A mount at <paramref name="destination"/> hides what was known beneath it.</summary>
    private bool InMount(string path)
    {
        path = Normalize(path);
        return _mounted.Any(m => path == m || path.StartsWith(m + "/", StringComparison.Ordinal));
    }

    private void Mounted(string destination)
    {
        _mounted.Add(destination);
        _known.RemoveWhere(k => k.StartsWith(destination + "/", StringComparison.Ordinal));
        _known.Add(destination);
    }

    /// <summary>A struct mount_attr setting and clearing the per-mount flags among <paramref name="set"/> and <paramref name="clear"/>.</summary>
    private OpArg Attributes(ulong set, ulong clear)
    {
        var attrSet = PerMount(set);
        var attrClear = PerMount(clear & ~(MS_NOATIME | MS_STRICTATIME | MS_RELATIME));
        if ((set & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) != 0)
        {
            // Setting an atime mode replaces the current one (relatime is the zero value).
            attrClear |= MOUNT_ATTR__ATIME;
            attrSet |= (set & MS_NOATIME) != 0 ? MOUNT_ATTR_NOATIME : (set & MS_STRICTATIME) != 0 ? MOUNT_ATTR_STRICTATIME : 0;
        }
        var attr = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(attr, attrSet);
        BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(8), attrClear);
        return _b.Bytes(attr);
    }

    private static ulong PerMount(ulong flags) =>
        ((flags & MS_RDONLY) != 0 ? MOUNT_ATTR_RDONLY : 0) |
        ((flags & MS_NOSUID) != 0 ? MOUNT_ATTR_NOSUID : 0) |
        ((flags & MS_NODEV) != 0 ? MOUNT_ATTR_NODEV : 0) |
        ((flags & MS_NOEXEC) != 0 ? MOUNT_ATTR_NOEXEC : 0) |
        ((flags & MS_NODIRATIME) != 0 ? MOUNT_ATTR_NODIRATIME : 0) |
        ((flags & MS_NOSYMFOLLOW) != 0 ? MOUNT_ATTR_NOSYMFOLLOW : 0);

    private static string Join(string[] parts, int count) => "/" + string.Join('/', parts, 0, count);

    private static string Normalize(string path) => "/" + path.Trim('/');
}

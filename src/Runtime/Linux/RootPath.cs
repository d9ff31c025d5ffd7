using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// Path work inside a container root that can never leave it: every lookup goes through openat2 with
/// RESOLVE_IN_ROOT, so "..", absolute symlinks and symlinks swapped in during a race all stay inside.
/// </summary>
internal sealed unsafe class RootPath : IDisposable
{
    private readonly int _rootFd;

    public RootPath(string root)
    {
        Root = root;
        _rootFd = Libc.Open(root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (_rootFd < 0)
        {
            throw RuntimeException.FromErrno($"opening root filesystem {root}", Libc.Errno);
        }
    }

    public string Root { get; }

    /// <summary>Opens <paramref name="path"/> (container-absolute) as an O_PATH fd, or returns -errno.</summary>
    public int TryOpen(string path, ulong extraResolve = 0, int flags = 0)
    {
        var how = stackalloc ulong[3];
        how[0] = (ulong)(Libc.O_PATH | Libc.O_CLOEXEC | flags);
        how[1] = 0;
        how[2] = Sys.RESOLVE_IN_ROOT | extraResolve;
        var relative = path.TrimStart('/');
        if (relative.Length == 0)
        {
            relative = ".";
        }
        var bytes = System.Text.Encoding.UTF8.GetBytes(relative + "\0");
        fixed (byte* p = bytes)
        {
            // openat2 answers EAGAIN when a rename or mount anywhere on the system raced a ".." step of
            // a RESOLVE_IN_ROOT lookup; the lookup is safe to repeat (libpathrs retries the same way).
            for (var attempt = 0; ; attempt++)
            {
                var fd = Libc.Syscall(Sys.Openat2, _rootFd, (long)p, (long)how, 24, 0, 0);
                if (fd >= 0)
                {
                    return (int)fd;
                }
                var errno = Libc.Errno;
                if (errno != Libc.EAGAIN || attempt == MaxRaceRetries)
                {
                    return -errno;
                }
            }
        }
    }

    private const int MaxRaceRetries = 128;

    public int Open(string path, ulong extraResolve = 0, int flags = 0)
    {
        var fd = TryOpen(path, extraResolve, flags);
        return fd >= 0 ? fd : throw RuntimeException.FromErrno($"opening {path} inside the root filesystem", -fd);
    }

    /// <summary>
    /// Creates every missing directory of <paramref name="path"/> and returns an O_PATH fd to it. A dangling
    /// symlink on the way is followed inside the root (its target is created), as runc does.
    /// </summary>
    public int MkdirAll(string path, int mode = 0x1ed) => MkdirAll(path, mode, 0);

    private int MkdirAll(string path, int mode, int depth)
    {
        if (depth > 40)
        {
            throw RuntimeException.FromErrno($"creating {path} inside the root filesystem", Libc.ELOOP);
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fd = TryOpen("/");
        var current = "";
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var next = current + "/" + part;
            var child = TryOpen(next);
            if (child == -Libc.ENOENT)
            {
                if (Libc.MkdirAt(fd, part, mode) != 0 && Libc.Errno != Libc.EEXIST)
                {
                    var errno = Libc.Errno;
                    Libc.Close(fd);
                    throw RuntimeException.FromErrno($"creating {next} inside the root filesystem", errno);
                }
                child = TryOpen(next);
                if (child == -Libc.ENOENT && ReadLink(fd, part) is { } target)
                {
                    // A dangling symlink: create what it points to, resolved inside the root.
                    Libc.Close(fd);
                    var rest = string.Join('/', parts.Skip(i + 1));
                    var resolved = (target.StartsWith('/') ? target : current + "/" + target) + "/" + rest;
                    return MkdirAll(resolved, mode, depth + 1);
                }
            }
            Libc.Close(fd);
            if (child < 0)
            {
                throw RuntimeException.FromErrno($"opening {next} inside the root filesystem", -child);
            }
            fd = child;
            current = next;
        }
        return fd;
    }

    private static string? ReadLink(int dirFd, string name)
    {
        var buffer = stackalloc byte[4096];
        var n = Libc.ReadlinkAt(dirFd, name, buffer, 4096);
        return n > 0 ? System.Text.Encoding.UTF8.GetString(buffer, (int)n) : null;
    }

    /// <summary>Makes sure a regular file exists at <paramref name="path"/> (a bind target) and returns an O_PATH fd.</summary>
    public int CreateFile(string path)
    {
        var existing = TryOpen(path);
        if (existing >= 0)
        {
            return existing;
        }
        var parentFd = MkdirAll(Path.GetDirectoryName(path) ?? "/");
        var fd = Libc.OpenAt(parentFd, Path.GetFileName(path), Libc.O_CREAT | Libc.O_WRONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0x1a4);
        var errno = Libc.Errno;
        Libc.Close(parentFd);
        if (fd < 0 && errno != Libc.EEXIST && errno != Libc.ELOOP)
        {
            throw RuntimeException.FromErrno($"creating {path} inside the root filesystem", errno);
        }
        if (fd >= 0)
        {
            Libc.Close(fd);
        }
        return Open(path);
    }

    public static string FdPath(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// True when resolving <paramref name="path"/> the way the host would reads a symlink or ".." that
    /// climbs above the root: the kernel would clamp it, but such a path is a sign of an escape attempt.
    /// </summary>
    public bool ClimbsOutOfRoot(string path)
    {
        var resolved = new List<string>();
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var links = 0;
        while (pending.First is { } node)
        {
            pending.RemoveFirst();
            var part = node.Value;
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (resolved.Count == 0)
                {
                    return true;
                }
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            var hostPath = Root.TrimEnd('/') + "/" + string.Join('/', resolved.Append(part));
            var info = new FileInfo(hostPath);
            if (info.LinkTarget is { } target)
            {
                if (++links > 40)
                {
                    return true;
                }
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }
                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.AddFirst(t);
                }
                continue;
            }
            resolved.Add(part);
        }
        return false;
    }

    public void Dispose() => Libc.Close(_rootFd);
}

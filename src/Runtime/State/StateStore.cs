using System.Globalization;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.State;

/// <summary>Container state directories under the runtime root (default /run/flotilla/runtime).</summary>
internal sealed class StateStore(string root)
{
    public const string DefaultRoot = "/run/flotilla/runtime";
    public const string FifoName = "exec.fifo";

    public string Root { get; } = Path.GetFullPath(root);

    public string Dir(string id) => Path.Combine(Root, id);

    public string FifoPath(string id) => Path.Combine(Dir(id), FifoName);

    public static void ValidateId(string id)
    {
        if (id.Length is 0 or > 1024 || !char.IsAsciiLetterOrDigit(id[0]) ||
            !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new RuntimeException($"invalid container id \"{id}\": use letters, digits, '_', '-', '.', starting with a letter or digit");
        }
    }

    /// <summary>Claims the id by creating its directory; fails when a container with that id exists.</summary>
    public void Reserve(string id)
    {
        var made = Libc.MkdirAt(Libc.AT_FDCWD, Dir(id), 0x1c9) == 0;
        if (!made && Libc.Errno == Libc.ENOENT)
        {
            Directory.CreateDirectory(Root);
            made = Libc.MkdirAt(Libc.AT_FDCWD, Dir(id), 0x1c9) == 0;
        }
        if (!made)
        {
            var errno = Libc.Errno;
            throw errno == Libc.EEXIST
                ? new RuntimeException($"container with id {id} already exists")
                : RuntimeException.FromErrno($"creating state directory {Dir(id)}", errno);
        }
    }

    public void Save(ContainerState state)
    {
        var path = Path.Combine(Dir(state.Id), "state.json");
        var temp = path + ".tmp";
        RawFile.Create(temp, state.Serialize());
        if (Libc.Rename(temp, path) != 0)
        {
            throw RuntimeException.FromErrno($"renaming {temp} to {path}", Libc.Errno);
        }
    }

    public ContainerState Load(string id)
    {
        ValidateId(id);
        var path = Path.Combine(Dir(id), "state.json");
        try
        {
            return ContainerState.Deserialize(File.ReadAllBytes(path), $"container {id}: {path}");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new RuntimeException($"container {id} does not exist");
        }
    }

    public void Remove(string id)
    {
        var dir = Dir(id);
        // Usually the directory holds state.json only: an unlink and an rmdir, no listing.
        _ = Libc.Unlink(Path.Combine(dir, "state.json"));
        if (Libc.Rmdir(dir) == 0 || Libc.Errno == Libc.ENOENT)
        {
            return;
        }
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public ContainerStatus Status(ContainerState state)
    {
        if (!IsAlive(state.Pid, state.PidStartTime))
        {
            return ContainerStatus.Stopped;
        }
        return File.Exists(FifoPath(state.Id)) ? ContainerStatus.Created : ContainerStatus.Running;
    }

    public static bool IsAlive(int pid, ulong startTime) =>
        pid > 0 && ReadStat(pid) is { } stat && stat.State != 'Z' && stat.State != 'X' && stat.StartTime == startTime;

    /// <summary>State letter and start time (field 22) from /proc/&lt;pid&gt;/stat.</summary>
    public static (char State, ulong StartTime)? ReadStat(int pid)
    {
        string? text;
        try
        {
            text = RawFile.TryReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        if (text is null)
        {
            return null;
        }
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); field 22 is fields[19].
        return fields.Length > 19 && ulong.TryParse(fields[19], CultureInfo.InvariantCulture, out var start)
            ? (fields[0][0], start)
            : null;
    }
}

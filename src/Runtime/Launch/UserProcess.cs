using Flotilla.Runtime.Linux;
using Flotilla.Runtime.Native;

namespace Flotilla.Runtime.Launch;

/// <summary>
/// What the process's exec needs from the container's files, looked up before the clone: the executable
/// (as runc finds it) and HOME from /etc/passwd. Lookups resolve inside the root (RESOLVE_IN_ROOT), so
/// an absolute symlink in the image means what it means in the container.
/// </summary>
internal static class UserProcess
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// A path with a slash as is (if it exists), a bare name through the spec's PATH. Paths for which
    /// <paramref name="unverifiable"/> is true (under a mount not made yet) are taken on trust: if they do
    /// not exist there, the exec reports it.
    /// </summary>
    public static string Resolve(string program, IReadOnlyList<string> env, RootPath root, Func<string, bool>? unverifiable = null)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsFile(root, program, executable: false) || unverifiable?.Invoke(program) == true
                ? program
                : throw new RuntimeException($"exec: \"{program}\": stat {program}: no such file or directory");
        }
        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (IsFile(root, candidate, executable: true) || unverifiable?.Invoke(candidate) == true)
            {
                return candidate;
            }
        }
        throw new RuntimeException($"exec: \"{program}\": executable file not found in $PATH");
    }

    /// <summary>Like runc: without HOME in the spec, the user's home from the container's /etc/passwd (or /).</summary>
    public static IReadOnlyList<string> WithHome(IReadOnlyList<string> env, long uid, RootPath root)
    {
        if (env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            return env;
        }
        var home = "/";
        var fd = root.TryOpen("/etc/passwd");
        if (fd >= 0)
        {
            try
            {
                foreach (var line in (RawFile.TryReadAllText(RootPath.FdPath(fd)) ?? "").Split('\n'))
                {
                    var fields = line.Split(':');
                    if (fields.Length >= 6 && long.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var id) && id == uid)
                    {
                        home = fields[5];
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // an unreadable /etc/passwd: HOME=/
            }
            finally
            {
                Libc.Close(fd);
            }
        }
        return [.. env, "HOME=" + home];
    }

    private static bool IsFile(RootPath root, string path, bool executable)
    {
        var fd = root.TryOpen(path);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            var target = RootPath.FdPath(fd);
            return File.Exists(target) && (!executable ||
                (File.GetUnixFileMode(target) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}

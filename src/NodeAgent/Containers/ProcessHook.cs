using System.Globalization;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>The container's process: arguments, environment, working directory and the user resolved in its rootfs.</summary>
public sealed class ProcessHook : ContainerHook
{
    public override Task BeforeStartAsync(ContainerContext context, OciBundleSpec bundle, CancellationToken cancellationToken)
    {
        var record = context.Record;
        bundle.Args.AddRange(record.Args);
        bundle.Env.AddRange(record.Env);
        bundle.Cwd = string.IsNullOrEmpty(record.WorkingDir) ? "/" : record.WorkingDir;
        CreateWorkingDirectory(context.Paths.Rootfs, bundle.Cwd);
        var (uid, gid) = ResolveUser(context.Paths.Rootfs, record.User);
        bundle.Uid = uid;
        bundle.Gid = gid;
        return Task.CompletedTask;
    }

    /// <summary>Resolves <c>user[:group]</c> (names or numbers) against the rootfs's /etc/passwd and /etc/group.</summary>
    public static (uint Uid, uint Gid) ResolveUser(string rootfs, string user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return (0, 0);
        }

        var parts = user.Split(':', 2);
        uint uid;
        uint? gid = null;
        if (!uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            var entry = FindEntry(Path.Combine(rootfs, "etc/passwd"), parts[0])
                ?? throw new InvalidRunOptionsException($"unable to find user {parts[0]}: no matching entries in the image's /etc/passwd");
            uid = uint.Parse(entry[2], CultureInfo.InvariantCulture);
            gid = uint.Parse(entry[3], CultureInfo.InvariantCulture);
        }
        else if (FindEntryById(Path.Combine(rootfs, "etc/passwd"), parts[0]) is { } byId)
        {
            gid = uint.Parse(byId[3], CultureInfo.InvariantCulture);
        }

        if (parts.Length == 2)
        {
            if (uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
            {
                gid = numeric;
            }
            else
            {
                var group = FindEntry(Path.Combine(rootfs, "etc/group"), parts[1])
                    ?? throw new InvalidRunOptionsException($"unable to find group {parts[1]}: no matching entries in the image's /etc/group");
                gid = uint.Parse(group[2], CultureInfo.InvariantCulture);
            }
        }

        return (uid, gid ?? 0);
    }

    /// <summary>
    /// Creates a missing working directory in the container's writable layer, as Docker does. It never
    /// follows a symlink of the image (which may point anywhere on the host): a path through one is left
    /// to the runtime, which resolves it inside the container.
    /// </summary>
    private static void CreateWorkingDirectory(string rootfs, string workingDir)
    {
        var current = rootfs;
        foreach (var part in workingDir.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part is "." or "..")
            {
                return;
            }

            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null || File.Exists(current))
            {
                return;
            }

            if (!Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
            }
        }
    }

    private static string[]? FindEntry(string file, string name) =>
        ReadEntries(file).FirstOrDefault(fields => fields[0] == name);

    private static string[]? FindEntryById(string file, string id) =>
        ReadEntries(file).FirstOrDefault(fields => fields.Length > 3 && fields[2] == id);

    private static IEnumerable<string[]> ReadEntries(string file) => File.Exists(file)
        ? File.ReadLines(file).Select(line => line.Split(':')).Where(fields => fields.Length >= 3)
        : [];
}

namespace Flotilla.Runtime.Linux;

/// <summary>One mounted cgroup hierarchy of the host: a v1 hierarchy with its controllers, or cgroup2.</summary>
internal sealed record CgroupHierarchy(string MountPoint, IReadOnlyList<string> Controllers, bool IsV2)
{
    /// <summary>The hierarchies mounted in this mount namespace, read from /proc/self/mountinfo.</summary>
    public static List<CgroupHierarchy> Discover()
    {
        var result = new List<CgroupHierarchy>();
        // A node's mountinfo has a line per container layer (overlay, with long option lists): only the
        // cgroup lines are split into fields.
        var mountinfo = Native.RawFile.ReadAllText("/proc/self/mountinfo");
        for (var start = 0; start < mountinfo.Length;)
        {
            var end = mountinfo.IndexOf('\n', start);
            end = end < 0 ? mountinfo.Length : end;
            var line = mountinfo.AsSpan(start, end - start);
            start = end + 1;
            var separator = line.IndexOf(" - cgroup", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }
            if (Parse(line.ToString(), separator) is { } hierarchy)
            {
                result.Add(hierarchy);
            }
        }
        // One hierarchy per mount point (bind mounts of the same hierarchy would repeat it).
        var distinct = new List<CgroupHierarchy>(result.Count);
        foreach (var hierarchy in result)
        {
            if (!distinct.Exists(h => h.MountPoint == hierarchy.MountPoint))
            {
                distinct.Add(hierarchy);
            }
        }
        return distinct;
    }

    /// <summary>A mountinfo line whose filesystem part starts at <paramref name="separator"/> (" - cgroup...").</summary>
    private static CgroupHierarchy? Parse(string line, int separator)
    {
        var left = line[..separator].Split(' ');
        var right = line[(separator + 3)..].Split(' ');
        if (left.Length < 5 || right.Length < 3 || left[3] != "/")
        {
            return null;
        }
        var mountPoint = Unescape(left[4]);
        if (right[0] == "cgroup2")
        {
            return new CgroupHierarchy(mountPoint, [], true);
        }
        if (right[0] == "cgroup")
        {
            var controllers = right[2].Split(',')
                .Where(o => o is not ("rw" or "ro" or "relatime" or "noatime" or "nosuid" or "nodev" or "noexec") &&
                            !o.StartsWith("release_agent=", StringComparison.Ordinal) && o != "clone_children" &&
                            o != "xattr" && o != "noprefix" && o != "cpuset_v2_mode")
                .ToList();
            return new CgroupHierarchy(mountPoint, controllers, false);
        }
        return null;
    }

    public bool Has(string controller) => Controllers.Contains(controller);

    /// <summary>The name of the hierarchy as seen under /sys/fs/cgroup (cpu, memory, systemd, unified).</summary>
    public string Name => Path.GetFileName(MountPoint.TrimEnd('/'));

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal);
}

namespace Flotilla.Runtime.Linux;

/// <summary>One mounted cgroup hierarchy of the host: a v1 hierarchy with its controllers, or cgroup2.</summary>
internal sealed record CgroupHierarchy(string MountPoint, IReadOnlyList<string> Controllers, bool IsV2)
{
    /// <summary>The hierarchies mounted in this mount namespace, read from /proc/self/mountinfo.</summary>
    public static IReadOnlyList<CgroupHierarchy> Discover()
    {
        var result = new List<CgroupHierarchy>();
        foreach (var line in Native.RawFile.ReadAllText("/proc/self/mountinfo").Split('\n'))
        {
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }
            var left = line[..separator].Split(' ');
            var right = line[(separator + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3 || left[3] != "/")
            {
                continue;
            }
            var mountPoint = Unescape(left[4]);
            if (right[0] == "cgroup2")
            {
                result.Add(new CgroupHierarchy(mountPoint, [], true));
            }
            else if (right[0] == "cgroup")
            {
                var controllers = right[2].Split(',')
                    .Where(o => o is not ("rw" or "ro" or "relatime" or "noatime" or "nosuid" or "nodev" or "noexec") &&
                                !o.StartsWith("release_agent=", StringComparison.Ordinal) && o != "clone_children" &&
                                o != "xattr" && o != "noprefix" && o != "cpuset_v2_mode")
                    .ToList();
                result.Add(new CgroupHierarchy(mountPoint, controllers, false));
            }
        }
        // One hierarchy per mount point (bind mounts of the same hierarchy would repeat it).
        return result.GroupBy(h => h.MountPoint).Select(g => g.First()).ToList();
    }

    public bool Has(string controller) => Controllers.Contains(controller);

    /// <summary>The name of the hierarchy as seen under /sys/fs/cgroup (cpu, memory, systemd, unified).</summary>
    public string Name => Path.GetFileName(MountPoint.TrimEnd('/'));

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal);
}

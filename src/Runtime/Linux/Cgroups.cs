using System.Globalization;
using Flotilla.Runtime.Native;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Linux;

/// <summary>
/// A container's cgroup: one directory per hierarchy on cgroup v1 (and the unified one on hybrid hosts),
/// or one cgroup2 directory when the host is v2 only.
/// </summary>
internal sealed class Cgroups
{
    private readonly List<(CgroupHierarchy Hierarchy, string Dir)> _dirs;

    private Cgroups(List<(CgroupHierarchy, string)> dirs) => _dirs = dirs;

    // Loops, not LINQ chains, over these tuples: each Where().Select() on them is a generic virtual call the
    // native runtime resolves through its type loader at first use (~0.1 ms a start, measured).
    public IReadOnlyList<string> Paths => _dirs.ConvertAll(d => d.Dir);

    /// <summary>What a container's cgroup mount shows: the v1 hierarchies, or the v2 tree on a v2-only host (as runc).</summary>
    public IReadOnlyList<CgroupMountPoint> MountPoints()
    {
        var pureV2 = _dirs.TrueForAll(d => d.Hierarchy.IsV2);
        var mounts = new List<CgroupMountPoint>(_dirs.Count);
        foreach (var (hierarchy, dir) in _dirs)
        {
            if (pureV2 || !hierarchy.IsV2)
            {
                mounts.Add(new CgroupMountPoint(hierarchy.Name, dir, hierarchy.IsV2));
            }
        }
        return mounts;
    }

    public static string Normalize(string? cgroupsPath, string id)
    {
        var path = string.IsNullOrEmpty(cgroupsPath) ? "/" + id : cgroupsPath;
        return "/" + path.Trim('/');
    }

    /// <summary>What every container may use whatever its device rules say (runc allows the same).</summary>
    private static readonly string[] DefaultAllowedDevices =
        ["c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
         "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"];

    /// <summary>
    /// Which directories the container's cgroup has, without creating them yet (<see cref="Create"/>). On v1,
    /// only in the hierarchies the container needs (see <see cref="Needs"/>).
    /// </summary>
    public static Cgroups Plan(string relativePath, ResourcesSpec? resources)
    {
        var discovered = CgroupHierarchy.Discover();
        var pureV2 = discovered.TrueForAll(h => h.IsV2);
        var hierarchies = pureV2 ? discovered : discovered.FindAll(h => Needs(h, resources));
        return new Cgroups(hierarchies.ConvertAll(h => (h, h.MountPoint.TrimEnd('/') + relativePath)));
    }

    /// <summary>True on a cgroup v2 only host: a child enters its cgroup as it is cloned (CLONE_INTO_CGROUP), which needs the directory.</summary>
    public bool IsV2Only => _dirs.Count > 0 && _dirs.All(d => d.Hierarchy.IsV2);

    /// <summary>The v1 <c>tasks</c> files a process writes "0" to, to enter the container's cgroup itself.</summary>
    public IReadOnlyList<string> TaskFiles => _dirs.FindAll(d => !d.Hierarchy.IsV2).ConvertAll(d => d.Dir + "/tasks");

    /// <summary>Creates the planned directories and writes the limits; removes them again when a write fails.</summary>
    public void Create(ResourcesSpec? resources, IReadOnlyList<DeviceSpec>? devices = null)
    {
        var pureV2 = IsV2Only;
        try
        {
            foreach (var (hierarchy, dir) in _dirs)
            {
                CreateDirectory(hierarchy, dir, pureV2);
                if (hierarchy.IsV2 && pureV2)
                {
                    ApplyV2(dir, resources);
                }
                else if (!hierarchy.IsV2)
                {
                    ApplyV1(hierarchy, dir, resources, devices ?? []);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Destroy();
            throw new RuntimeException($"setting up cgroup {string.Join(", ", Paths)}: {e.Message}");
        }
    }

    /// <summary>
    /// Whether a container needs its own cgroup in v1 hierarchy <paramref name="hierarchy"/>: memory (limit,
    /// OOM kills, the agent's stats), cpu and cpuacct (limits, the agent's stats), pids (limit, kill --all,
    /// delete), devices when the spec has device rules, cpuset when it pins cpus or memory nodes. Unlike
    /// runc, not freezer, blkio, net_cls, perf_event, hugetlb or named hierarchies (name=systemd), nor the
    /// controller-less cgroup2 of a hybrid host: nothing reads or limits them, and each costs a mkdir, an
    /// rmdir and a bind mount per start.
    /// </summary>
    internal static bool Needs(CgroupHierarchy hierarchy, ResourcesSpec? resources) =>
        !hierarchy.IsV2 && (
            hierarchy.Has("memory") || hierarchy.Has("cpu") || hierarchy.Has("cpuacct") || hierarchy.Has("pids") ||
            (hierarchy.Has("devices") && resources?.Devices is { Count: > 0 }) ||
            (hierarchy.Has("cpuset") && (!string.IsNullOrEmpty(resources?.Cpu?.Cpus) || !string.IsNullOrEmpty(resources?.Cpu?.Mems))));

    public static Cgroups Open(IReadOnlyList<string> paths)
    {
        var hierarchies = CgroupHierarchy.Discover();
        var dirs = new List<(CgroupHierarchy, string)>();
        foreach (var path in paths)
        {
            var hierarchy = hierarchies.FirstOrDefault(h => path.StartsWith(h.MountPoint.TrimEnd('/') + "/", StringComparison.Ordinal));
            if (hierarchy is not null)
            {
                dirs.Add((hierarchy, path));
            }
        }
        return new Cgroups(dirs);
    }

    /// <summary>
    /// Opens what a freshly cloned child needs to put itself into this cgroup (see <see cref="CgroupJoin"/>).
    /// </summary>
    public CgroupJoin OpenJoin()
    {
        var join = new CgroupJoin();
        try
        {
            foreach (var (hierarchy, dir) in _dirs)
            {
                if (hierarchy.IsV2)
                {
                    join.V2DirFd = OpenOrThrow(dir, Libc.O_PATH | Libc.O_DIRECTORY);
                }
                else
                {
                    join.TaskFds.Add(OpenOrThrow(Path.Combine(dir, "tasks"), Libc.O_WRONLY));
                }
            }
            return join;
        }
        catch
        {
            join.Dispose();
            throw;
        }
    }

    private static int OpenOrThrow(string path, int flags)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? fd : throw RuntimeException.FromErrno($"opening {path}", Libc.Errno);
    }

    /// <summary>The process ids in the container's cgroup (from the pids, freezer or any hierarchy).</summary>
    public IReadOnlyList<int> Processes()
    {
        var dir = _dirs.FirstOrDefault(d => d.Hierarchy.Has("pids") || d.Hierarchy.Has("freezer")).Dir
            ?? _dirs.Select(d => d.Dir).FirstOrDefault();
        if (dir is null)
        {
            return [];
        }
        try
        {
            return (RawFile.TryReadAllText(Path.Combine(dir, "cgroup.procs")) ?? "")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    public bool OomKilled()
    {
        foreach (var (hierarchy, dir) in _dirs)
        {
            if (!hierarchy.IsV2 && !hierarchy.Has("memory"))
            {
                continue;
            }
            string? events;
            try
            {
                events = RawFile.TryReadAllText(Path.Combine(dir, hierarchy.IsV2 ? "memory.events" : "memory.oom_control"));
            }
            catch (IOException)
            {
                continue; // the cgroup went away: nothing to report
            }
            foreach (var line in (events ?? "").Split('\n'))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && line[9..].Trim() != "0")
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Kills whatever is left in the cgroup and removes its directories (the leaf only).</summary>
    public void Destroy()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // The directories of a container whose processes are gone go with one rmdir each; only a busy
            // one (EBUSY: processes left) needs them killed, and a moment for them to leave.
            var left = 0;
            foreach (var (_, dir) in _dirs)
            {
                if (Libc.Rmdir(dir) != 0 && Libc.Errno != Libc.ENOENT)
                {
                    left++;
                }
            }
            if (left == 0)
            {
                return;
            }
            foreach (var pid in Processes())
            {
                _ = Libc.Kill(pid, Sys.SIGKILL);
            }
            Thread.Sleep(5);
        }
        throw new RuntimeException($"cgroup {string.Join(", ", Paths)} still has processes after SIGKILL");
    }

    private static void CreateDirectory(CgroupHierarchy hierarchy, string dir, bool pureV2)
    {
        // Where no ancestor needs setting up (v1 cpuset, cgroup2 controllers), the common case is one mkdir:
        // the parent exists since the first container.
        var plain = !hierarchy.IsV2 && !hierarchy.Has("cpuset");
        if (plain && (Libc.Mkdir(dir, 0x1ed) == 0 || Libc.Errno == Libc.EEXIST))
        {
            return;
        }
        var root = hierarchy.MountPoint.TrimEnd('/');
        var current = root;
        foreach (var part in dir[(root.Length + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var parent = current;
            current = current + "/" + part;
            if (Libc.Mkdir(current, 0x1ed) != 0 && Libc.Errno != Libc.EEXIST)
            {
                throw new IOException($"creating {current}: {Libc.ErrorText(Libc.Errno)}");
            }
            if (hierarchy.Has("cpuset"))
            {
                // A new v1 cpuset starts empty and refuses tasks until it has cpus and mems.
                InheritIfEmpty(parent, current, "cpuset.cpus");
                InheritIfEmpty(parent, current, "cpuset.mems");
            }
            if (hierarchy.IsV2 && pureV2)
            {
                EnableV2Controllers(parent);
            }
        }
    }

    private static void InheritIfEmpty(string parent, string dir, string file)
    {
        var path = Path.Combine(dir, file);
        if (RawFile.ReadAllText(path).Trim().Length == 0)
        {
            RawFile.Write(path, RawFile.ReadAllText(Path.Combine(parent, file)).Trim());
        }
    }

    private static void EnableV2Controllers(string dir)
    {
        var available = RawFile.ReadAllText(Path.Combine(dir, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var wanted = available.Where(c => c is "cpu" or "cpuset" or "memory" or "pids" or "io").Select(c => "+" + c);
        var line = string.Join(' ', wanted);
        if (line.Length > 0)
        {
            RawFile.Write(Path.Combine(dir, "cgroup.subtree_control"), line);
        }
    }

    private static void ApplyV1(CgroupHierarchy hierarchy, string dir, ResourcesSpec? resources, IReadOnlyList<DeviceSpec> devices)
    {
        if (resources is null)
        {
            return;
        }
        if (hierarchy.Has("memory") && resources.Memory is { } memory)
        {
            if (memory.Limit is { } limit and not 0)
            {
                Write(dir, "memory.limit_in_bytes", limit);
            }
            if (memory.Swap is { } swap and not 0 && File.Exists(Path.Combine(dir, "memory.memsw.limit_in_bytes")))
            {
                Write(dir, "memory.memsw.limit_in_bytes", swap);
            }
            if (memory.Reservation is { } reservation and not 0)
            {
                Write(dir, "memory.soft_limit_in_bytes", reservation);
            }
            if (memory.Swappiness is { } swappiness)
            {
                Write(dir, "memory.swappiness", swappiness);
            }
            if (memory.DisableOomKiller == true)
            {
                Write(dir, "memory.oom_control", 1);
            }
        }
        if (hierarchy.Has("cpu") && resources.Cpu is { } cpu)
        {
            if (cpu.Shares is { } shares and not 0)
            {
                Write(dir, "cpu.shares", (long)shares);
            }
            if (cpu.Period is { } period and not 0)
            {
                Write(dir, "cpu.cfs_period_us", (long)period);
            }
            if (cpu.Quota is { } quota and not 0)
            {
                Write(dir, "cpu.cfs_quota_us", quota);
            }
        }
        if (hierarchy.Has("cpuset") && resources.Cpu is { } cpuset)
        {
            if (!string.IsNullOrEmpty(cpuset.Cpus))
            {
                RawFile.Write(Path.Combine(dir, "cpuset.cpus"), cpuset.Cpus);
            }
            if (!string.IsNullOrEmpty(cpuset.Mems))
            {
                RawFile.Write(Path.Combine(dir, "cpuset.mems"), cpuset.Mems);
            }
        }
        if (hierarchy.Has("pids") && resources.Pids is { } pids)
        {
            RawFile.Write(Path.Combine(dir, "pids.max"), pids.Limit > 0 ? pids.Limit.ToString(CultureInfo.InvariantCulture) : "max");
        }
        if (hierarchy.Has("devices") && resources.Devices is { Count: > 0 } rules)
        {
            foreach (var rule in rules)
            {
                var line = $"{rule.Type ?? "a"} {Number(rule.Major)}:{Number(rule.Minor)} {rule.Access ?? "rwm"}";
                RawFile.Write(Path.Combine(dir, rule.Allow ? "devices.allow" : "devices.deny"), line);
            }
            RawFile.WriteEach(Path.Combine(dir, "devices.allow"), DefaultAllowedDevices.Concat(devices.Select(d =>
                string.Create(CultureInfo.InvariantCulture, $"{(d.Type == "b" ? 'b' : 'c')} {d.Major}:{d.Minor} rwm"))));
        }
    }

    private static void ApplyV2(string dir, ResourcesSpec? resources)
    {
        if (resources is null)
        {
            return;
        }
        if (resources.Memory is { } memory)
        {
            if (memory.Limit is { } limit and not 0)
            {
                RawFile.Write(Path.Combine(dir, "memory.max"), limit < 0 ? "max" : limit.ToString(CultureInfo.InvariantCulture));
                if (memory.Swap is { } swap and not 0 && File.Exists(Path.Combine(dir, "memory.swap.max")))
                {
                    RawFile.Write(Path.Combine(dir, "memory.swap.max"),
                        swap < 0 || limit < 0 ? "max" : (swap - limit).ToString(CultureInfo.InvariantCulture));
                }
            }
            if (memory.Reservation is { } reservation and > 0)
            {
                Write(dir, "memory.low", reservation);
            }
        }
        if (resources.Cpu is { } cpu)
        {
            if (cpu.Shares is { } shares and not 0)
            {
                Write(dir, "cpu.weight", (long)(1 + (((shares - 2) * 9999) / 262142)));
            }
            if (cpu.Quota is { } quota and not 0 || cpu.Period is { } and not 0)
            {
                var q = cpu.Quota is { } qv and > 0 ? qv.ToString(CultureInfo.InvariantCulture) : "max";
                RawFile.Write(Path.Combine(dir, "cpu.max"), $"{q} {(cpu.Period is { } p and not 0 ? p : 100000)}");
            }
            if (!string.IsNullOrEmpty(cpu.Cpus))
            {
                RawFile.Write(Path.Combine(dir, "cpuset.cpus"), cpu.Cpus);
            }
            if (!string.IsNullOrEmpty(cpu.Mems))
            {
                RawFile.Write(Path.Combine(dir, "cpuset.mems"), cpu.Mems);
            }
        }
        if (resources.Pids is { } pids)
        {
            RawFile.Write(Path.Combine(dir, "pids.max"), pids.Limit > 0 ? pids.Limit.ToString(CultureInfo.InvariantCulture) : "max");
        }
    }

    private static string Number(long? value) => value is { } v and >= 0 ? v.ToString(CultureInfo.InvariantCulture) : "*";

    private static void Write(string dir, string file, long value) =>
        RawFile.Write(Path.Combine(dir, file), value.ToString(CultureInfo.InvariantCulture));
}

using Flotilla.Runtime.Linux;

namespace Flotilla.Runtime.Spec;

/// <summary>
/// Checks a config.json before anything is created, so a bad one fails with a message that names the
/// field and leaves no cgroup, mount or state behind.
/// </summary>
internal static class SpecValidator
{
    public static readonly IReadOnlyDictionary<string, ulong> NamespaceFlags = new Dictionary<string, ulong>
    {
        ["pid"] = Native.Sys.CLONE_NEWPID,
        ["network"] = Native.Sys.CLONE_NEWNET,
        ["mount"] = Native.Sys.CLONE_NEWNS,
        ["ipc"] = Native.Sys.CLONE_NEWIPC,
        ["uts"] = Native.Sys.CLONE_NEWUTS,
        ["user"] = Native.Sys.CLONE_NEWUSER,
        ["cgroup"] = Native.Sys.CLONE_NEWCGROUP,
    };

    private static readonly HashSet<string> MountTypes =
        ["bind", "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "none", "overlay"];

    public static void Validate(RuntimeSpec spec)
    {
        var process = spec.Process ?? throw Fail("process", "is required");
        if (process.Args is not { Count: > 0 } || string.IsNullOrEmpty(process.Args[0]))
        {
            throw Fail("process.args", "needs at least the program to run");
        }
        if (process.Terminal)
        {
            throw Fail("process.terminal", "true needs a console socket, which flotilla-runtime does not support; set it to false and pass stdio through");
        }
        if (spec.Hooks?.Any == true)
        {
            throw Fail("hooks", "are not supported by flotilla-runtime");
        }
        // Refused rather than ignored: a spec that asks for a confinement profile must not run without it.
        if (!string.IsNullOrEmpty(process.ApparmorProfile))
        {
            throw Fail("process.apparmorProfile", $"\"{process.ApparmorProfile}\": flotilla-runtime does not apply AppArmor profiles");
        }
        if (!string.IsNullOrEmpty(process.SelinuxLabel))
        {
            throw Fail("process.selinuxLabel", $"\"{process.SelinuxLabel}\": flotilla-runtime does not apply SELinux labels");
        }
        if (!string.IsNullOrEmpty(spec.Linux?.MountLabel))
        {
            throw Fail("linux.mountLabel", $"\"{spec.Linux.MountLabel}\": flotilla-runtime does not apply SELinux labels");
        }
        var cwd = process.Cwd ?? "/";
        if (!cwd.StartsWith('/'))
        {
            throw Fail("process.cwd", $"\"{cwd}\" must be an absolute path");
        }
        if (process.User is { } user)
        {
            CheckId("process.user.uid", user.Uid);
            CheckId("process.user.gid", user.Gid);
            foreach (var gid in user.AdditionalGids ?? [])
            {
                CheckId("process.user.additionalGids", gid);
            }
            if (user.Umask is < 0 or > 0x1ff)
            {
                throw Fail("process.user.umask", $"{user.Umask} is not a file mode mask (0 to 0777)");
            }
        }
        if (process.OomScoreAdj is < -1000 or > 1000)
        {
            throw Fail("process.oomScoreAdj", $"{process.OomScoreAdj} is outside -1000..1000");
        }
        if (process.Capabilities is { } caps)
        {
            foreach (var (field, list) in new[] { ("bounding", caps.Bounding), ("effective", caps.Effective),
                         ("inheritable", caps.Inheritable), ("permitted", caps.Permitted), ("ambient", caps.Ambient) })
            {
                foreach (var name in list ?? [])
                {
                    if (Capabilities.Number(name) is null)
                    {
                        throw Fail($"process.capabilities.{field}", $"\"{name}\" is not a capability");
                    }
                }
            }
        }
        foreach (var rlimit in process.Rlimits ?? [])
        {
            if (Rlimits.Number(rlimit.Type) is null)
            {
                throw Fail("process.rlimits", $"\"{rlimit.Type}\" is not a resource limit (RLIMIT_NOFILE, ...)");
            }
            if (rlimit.Soft > rlimit.Hard)
            {
                throw Fail("process.rlimits", $"{rlimit.Type}: soft limit {rlimit.Soft} is above the hard limit {rlimit.Hard}");
            }
        }
        if (spec.Hostname is { Length: > 64 })
        {
            throw Fail("hostname", "is longer than 64 characters");
        }
        foreach (var mount in spec.Mounts ?? [])
        {
            ValidateMount(mount);
        }
        ValidateLinux(spec);
    }

    private static void ValidateMount(MountSpec mount)
    {
        if (string.IsNullOrEmpty(mount.Destination) || !mount.Destination.StartsWith('/'))
        {
            throw Fail("mounts", $"destination \"{mount.Destination}\" must be an absolute path");
        }
        var isBind = mount.Options?.Any(o => o is "bind" or "rbind") == true || mount.Type == "bind";
        if (!isBind && mount.Type is not null && !MountTypes.Contains(mount.Type))
        {
            throw Fail("mounts", $"{mount.Destination}: type \"{mount.Type}\" is not supported");
        }
        if (isBind && string.IsNullOrEmpty(mount.Source))
        {
            throw Fail("mounts", $"{mount.Destination}: a bind mount needs a source");
        }
        foreach (var option in mount.Options ?? [])
        {
            if (option.Length == 0)
            {
                throw Fail("mounts", $"{mount.Destination}: an empty mount option");
            }
        }
    }

    private static void ValidateLinux(RuntimeSpec spec)
    {
        var linux = spec.Linux ?? throw Fail("linux", "is required");
        var seen = new HashSet<string>();
        foreach (var ns in linux.Namespaces ?? [])
        {
            if (!NamespaceFlags.ContainsKey(ns.Type))
            {
                throw Fail("linux.namespaces", $"\"{ns.Type}\" is not a namespace type (pid, network, mount, ipc, uts, user, cgroup)");
            }
            if (!seen.Add(ns.Type))
            {
                throw Fail("linux.namespaces", $"\"{ns.Type}\" is listed twice");
            }
            if (ns.Path is { Length: > 0 } path && !path.StartsWith('/'))
            {
                throw Fail("linux.namespaces", $"{ns.Type}: path \"{path}\" must be absolute");
            }
        }
        if (!seen.Contains("mount"))
        {
            throw Fail("linux.namespaces", "a mount namespace is required");
        }
        if (linux.Namespaces!.FirstOrDefault(n => n.Type == "mount") is { Path.Length: > 0 } &&
            linux.Namespaces!.Any(n => n.Type == "user" && string.IsNullOrEmpty(n.Path)))
        {
            throw Fail("linux.namespaces", "joining a mount namespace by path together with a new user namespace is not supported");
        }
        var userNs = linux.Namespaces!.FirstOrDefault(n => n.Type == "user");
        if (userNs is { Path: null or "" })
        {
            if (linux.UidMappings is not { Count: > 0 } || linux.GidMappings is not { Count: > 0 })
            {
                throw Fail("linux.uidMappings", "a new user namespace needs uidMappings and gidMappings");
            }
        }
        else if (linux.UidMappings is { Count: > 0 } || linux.GidMappings is { Count: > 0 })
        {
            throw Fail("linux.uidMappings", "mappings are only allowed with a new user namespace");
        }
        foreach (var (field, maps) in new[] { ("uidMappings", linux.UidMappings), ("gidMappings", linux.GidMappings) })
        {
            if (maps is { Count: > 340 })
            {
                throw Fail($"linux.{field}", "has more than 340 lines, the kernel's limit");
            }
            foreach (var map in maps ?? [])
            {
                if (map.Size <= 0 || map.ContainerId < 0 || map.HostId < 0 ||
                    map.ContainerId + map.Size > uint.MaxValue || map.HostId + map.Size > uint.MaxValue)
                {
                    throw Fail($"linux.{field}", $"containerID {map.ContainerId}, hostID {map.HostId}, size {map.Size} is not a valid range");
                }
            }
        }
        if (linux.CgroupsPath is { } cgroupsPath && (cgroupsPath.Contains("..", StringComparison.Ordinal) || cgroupsPath.Contains(':', StringComparison.Ordinal)))
        {
            throw Fail("linux.cgroupsPath", $"\"{cgroupsPath}\" must be a plain cgroup path (no \"..\"; systemd slice:prefix:name is not supported)");
        }
        if (linux.RootfsPropagation is { } propagation && MountOptions.Propagation(propagation) is null)
        {
            throw Fail("linux.rootfsPropagation", $"\"{propagation}\" is not a propagation mode");
        }
        ValidateResources(linux.Resources);
        foreach (var device in linux.Devices ?? [])
        {
            if (!device.Path.StartsWith("/dev/", StringComparison.Ordinal) || device.Path.Contains("..", StringComparison.Ordinal))
            {
                throw Fail("linux.devices", $"\"{device.Path}\" must be a path under /dev");
            }
            if (device.Type is not ("c" or "b" or "u" or "p"))
            {
                throw Fail("linux.devices", $"{device.Path}: type \"{device.Type}\" is not c, b, u or p");
            }
        }
        foreach (var (key, _) in linux.Sysctl ?? new Dictionary<string, string>())
        {
            if (key.Contains('/', StringComparison.Ordinal) || key.Contains("..", StringComparison.Ordinal) || key.Length == 0)
            {
                throw Fail("linux.sysctl", $"\"{key}\" is not a sysctl name");
            }
        }
        foreach (var path in (linux.MaskedPaths ?? []).Concat(linux.ReadonlyPaths ?? []))
        {
            if (!path.StartsWith('/'))
            {
                throw Fail("linux.maskedPaths", $"\"{path}\" must be absolute");
            }
        }
        if (linux.Seccomp is { } seccomp)
        {
            SeccompCompiler.Compile(seccomp);
        }
    }

    private static void ValidateResources(ResourcesSpec? resources)
    {
        if (resources is null)
        {
            return;
        }
        const long minMemory = 4L << 20;
        if (resources.Memory is { } memory)
        {
            if (memory.Limit is { } limit && limit != -1 && (limit < minMemory || limit > 1L << 50))
            {
                throw Fail("linux.resources.memory.limit", $"{limit} bytes is not a usable limit (4 MiB or more, or -1 for none)");
            }
            if (memory.Swap is { } swap && swap != -1 && (swap < 0 || (memory.Limit is { } l && l > 0 && swap < l)))
            {
                throw Fail("linux.resources.memory.swap", $"{swap} must be -1 or at least the memory limit (it is memory+swap)");
            }
            if (memory.Reservation is < -1)
            {
                throw Fail("linux.resources.memory.reservation", $"{memory.Reservation} is negative");
            }
            if (memory.Swappiness is { } swappiness && swappiness is < 0 or > 100)
            {
                throw Fail("linux.resources.memory.swappiness", $"{swappiness} is outside 0..100");
            }
        }
        if (resources.Cpu is { } cpu)
        {
            if (cpu.Shares is { } shares && shares != 0 && shares is < 2 or > 262144)
            {
                throw Fail("linux.resources.cpu.shares", $"{shares} is outside 2..262144");
            }
            if (cpu.Period is { } period && period != 0 && period is < 1000 or > 1000000)
            {
                throw Fail("linux.resources.cpu.period", $"{period} µs is outside 1000..1000000");
            }
            if (cpu.Quota is { } quota && quota != -1 && quota != 0 && quota < 1000)
            {
                throw Fail("linux.resources.cpu.quota", $"{quota} µs is below 1000 (use -1 for no limit)");
            }
            foreach (var (field, value) in new[] { ("cpus", cpu.Cpus), ("mems", cpu.Mems) })
            {
                if (value is { Length: > 0 } && !value.All(c => char.IsAsciiDigit(c) || c is ',' or '-'))
                {
                    throw Fail($"linux.resources.cpu.{field}", $"\"{value}\" is not a list like 0-1,3");
                }
            }
        }
        if (resources.Pids is { Limit: < -1 })
        {
            throw Fail("linux.resources.pids.limit", $"{resources.Pids.Limit} is negative");
        }
        foreach (var rule in resources.Devices ?? [])
        {
            if (rule.Type is not (null or "a" or "c" or "b"))
            {
                throw Fail("linux.resources.devices", $"type \"{rule.Type}\" is not a, c or b");
            }
            if (rule.Access is { } access && !access.All(c => c is 'r' or 'w' or 'm'))
            {
                throw Fail("linux.resources.devices", $"access \"{access}\" is not made of r, w, m");
            }
        }
    }

    private static void CheckId(string field, long id)
    {
        if (id is < 0 or >= uint.MaxValue)
        {
            throw Fail(field, $"{id} is not a valid id");
        }
    }

    private static RuntimeException Fail(string field, string rule) => new($"config.json: {field} {rule}");
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flotilla.NodeAgent.Runtime;

/// <summary>
/// The parts of an OCI runtime config that the container hooks fill in before each start, rendered as
/// <c>config.json</c> (OCI runtime spec 1.0.2) with the same defaults Docker uses.
/// </summary>
public sealed class OciBundleSpec
{
    public List<string> Args { get; } = [];

    public List<string> Env { get; } = [];

    public string Cwd { get; set; } = "/";

    public uint Uid { get; set; }

    public uint Gid { get; set; }

    public List<uint> AdditionalGids { get; } = [];

    public string Hostname { get; set; } = "";

    public string RootPath { get; set; } = "rootfs";

    public bool ReadOnlyRoot { get; set; }

    public List<OciMount> Mounts { get; } = [];

    /// <summary>A network namespace to join; null shares the host's network.</summary>
    public string? NetworkNamespacePath { get; set; }

    public bool HostNetwork { get; set; } = true;

    public string CgroupsPath { get; set; } = "";

    public long MemoryLimit { get; set; }

    public long CpuQuota { get; set; }

    public long CpuPeriod { get; set; } = 100_000;

    public long PidsLimit { get; set; }

    private static readonly string[] Capabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    private static readonly string[] MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ];

    private static readonly string[] ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>The process object alone, as <c>runtime exec --process</c> takes it.</summary>
    public JsonObject RenderProcess(IEnumerable<string> args, IEnumerable<string> env, string cwd, uint uid, uint gid)
    {
        var capabilities = ToArray(Capabilities);
        return new JsonObject
        {
            ["terminal"] = false,
            ["user"] = new JsonObject { ["uid"] = uid, ["gid"] = gid },
            ["args"] = ToArray(args),
            ["env"] = ToArray(env),
            ["cwd"] = cwd,
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = capabilities.DeepClone(),
                ["effective"] = capabilities.DeepClone(),
                ["permitted"] = capabilities.DeepClone(),
            },
            ["noNewPrivileges"] = true,
        };
    }

    public JsonObject Render()
    {
        var process = RenderProcess(Args, Env, Cwd, Uid, Gid);
        if (AdditionalGids.Count > 0)
        {
            ((JsonObject)process["user"]!)["additionalGids"] = new JsonArray([.. AdditionalGids.Select(g => (JsonNode)g)]);
        }

        var namespaces = new JsonArray(Namespace("pid"), Namespace("ipc"), Namespace("uts"), Namespace("mount"));
        if (!HostNetwork)
        {
            namespaces.Add((JsonNode)(NetworkNamespacePath is null
                ? Namespace("network")
                : new JsonObject { ["type"] = "network", ["path"] = NetworkNamespacePath }));
        }

        var resources = new JsonObject
        {
            ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
        };
        if (MemoryLimit > 0)
        {
            resources["memory"] = new JsonObject { ["limit"] = MemoryLimit };
        }

        if (CpuQuota > 0)
        {
            resources["cpu"] = new JsonObject { ["quota"] = CpuQuota, ["period"] = CpuPeriod };
        }

        if (PidsLimit > 0)
        {
            resources["pids"] = new JsonObject { ["limit"] = PidsLimit };
        }

        var mounts = new JsonArray();
        foreach (var mount in DefaultMounts().Concat(Mounts))
        {
            mounts.Add((JsonNode)new JsonObject
            {
                ["destination"] = mount.Destination,
                ["type"] = mount.Type,
                ["source"] = mount.Source,
                ["options"] = ToArray(mount.Options),
            });
        }

        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = process,
            ["root"] = new JsonObject { ["path"] = RootPath, ["readonly"] = ReadOnlyRoot },
            ["hostname"] = Hostname,
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["cgroupsPath"] = CgroupsPath,
                ["resources"] = resources,
                ["namespaces"] = namespaces,
                ["maskedPaths"] = ToArray(MaskedPaths),
                ["readonlyPaths"] = ToArray(ReadonlyPaths),
            },
        };
    }

    public void WriteTo(string bundleDirectory)
    {
        var path = Path.Combine(bundleDirectory, "config.json");
        File.WriteAllText(path, Render().ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    private static IEnumerable<OciMount> DefaultMounts() =>
    [
        new("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
        new("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        new("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        new("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        new("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        new("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        new("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ];

    private static JsonObject Namespace(string type) => new() { ["type"] = type };

    private static JsonArray ToArray(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}

using System.Text.Json.Nodes;

namespace Flotilla.Runtime.Tests.Support;

/// <summary>
/// A Docker-like config.json (the defaults the node agent passes): Docker's 14 capabilities, its masked
/// and read-only paths, /proc, /dev tmpfs, devpts, shm, mqueue, sysfs and cgroup mounts, new pid,
/// network, ipc, uts and mount namespaces, and a cgroup path unique to the test.
/// </summary>
public static class SpecBuilder
{
    public static readonly string[] DockerCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    public static JsonObject Default(string cgroupsPath, params string[] args) => new()
    {
        ["ociVersion"] = "1.0.2",
        ["process"] = new JsonObject
        {
            ["terminal"] = false,
            ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
            ["args"] = Array(args),
            ["env"] = Array("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
            ["cwd"] = "/",
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = Array(DockerCapabilities),
                ["effective"] = Array(DockerCapabilities),
                ["permitted"] = Array(DockerCapabilities),
            },
            ["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 1024, ["soft"] = 1024 }),
            ["noNewPrivileges"] = true,
        },
        ["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = false },
        ["hostname"] = "box",
        ["mounts"] = new JsonArray(
            Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
            Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
            Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
            Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
            Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
            Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
            Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro")),
        ["linux"] = new JsonObject
        {
            ["namespaces"] = new JsonArray(Ns("pid"), Ns("network"), Ns("ipc"), Ns("uts"), Ns("mount")),
            ["cgroupsPath"] = cgroupsPath,
            ["resources"] = new JsonObject
            {
                ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
            },
            ["maskedPaths"] = Array("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"),
            ["readonlyPaths"] = Array("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
        },
    };

    public static JsonObject Ns(string type, string? path = null)
    {
        var ns = new JsonObject { ["type"] = type };
        if (path is not null)
        {
            ns["path"] = path;
        }
        return ns;
    }

    public static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = Array(options),
    };

    public static JsonArray Array(params string[] items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray());

    public static JsonObject Process(this JsonObject spec) => spec["process"]!.AsObject();

    public static JsonObject Linux(this JsonObject spec) => spec["linux"]!.AsObject();

    public static JsonObject Resources(this JsonObject spec) => spec.Linux()["resources"]!.AsObject();
}

using System.Text.Json;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.Launch;

/// <summary>What the parent hands the in-container init stage over the sync socket.</summary>
internal sealed record InitPlan
{
    public required RuntimeSpec Spec { get; init; }

    /// <summary>config.json as the parent read it; the init stage reads <see cref="Spec"/> from it again.</summary>
    public required byte[] SpecJson { get; init; }

    public required string Rootfs { get; init; }

    /// <summary>Exec fifo to wait on before the user process starts; null means start at once (run).</summary>
    public string? FifoPath { get; init; }

    /// <summary>True when the container has its own user namespace (no mknod, device nodes are bind-mounted).</summary>
    public bool InUserNamespace { get; init; }

    /// <summary>The container's cgroup directories, bind-mounted under /sys/fs/cgroup for a cgroup mount.</summary>
    public IReadOnlyList<CgroupMountPoint> CgroupMounts { get; init; } = [];

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("spec");
            writer.WriteRawValue(SpecJson, skipInputValidation: true);
            writer.WriteString("rootfs", Rootfs);
            writer.WriteString("fifoPath", FifoPath);
            writer.WriteBoolean("inUserNamespace", InUserNamespace);
            writer.WriteStartArray("cgroupMounts");
            foreach (var mount in CgroupMounts)
            {
                writer.WriteStartObject();
                writer.WriteString("name", mount.Name);
                writer.WriteString("hostDir", mount.HostDir);
                writer.WriteBoolean("isV2", mount.IsV2);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static InitPlan Deserialize(byte[] json) => SpecReader.Parse(json, "the init plan", "readable", root =>
    {
        RuntimeSpec? spec = null;
        string? rootfs = null, fifoPath = null;
        var inUserNamespace = false;
        List<CgroupMountPoint>? cgroupMounts = null;
        foreach (var (name, value) in root.Members())
        {
            switch (name)
            {
                case "spec": spec = SpecReader.ReadSpec(value); break;
                case "rootfs": rootfs = value.String(); break;
                case "fifopath": fifoPath = value.String(); break;
                case "inusernamespace": inUserNamespace = value.Bool(); break;
                case "cgroupmounts": cgroupMounts = value.List(ReadCgroupMount); break;
            }
        }
        return new InitPlan
        {
            Spec = spec ?? throw new RuntimeException("the init plan has no spec"),
            SpecJson = [],
            Rootfs = rootfs ?? throw new RuntimeException("the init plan has no rootfs"),
            FifoPath = fifoPath,
            InUserNamespace = inUserNamespace,
            CgroupMounts = cgroupMounts ?? [],
        };
    });

    private static CgroupMountPoint ReadCgroupMount(JsonFields json)
    {
        string name = "", hostDir = "";
        var isV2 = false;
        foreach (var (field, value) in json.Members())
        {
            switch (field)
            {
                case "name": name = value.RequiredString(); break;
                case "hostdir": hostDir = value.RequiredString(); break;
                case "isv2": isV2 = value.Bool(); break;
            }
        }
        return new CgroupMountPoint(name, hostDir, isV2);
    }
}

internal sealed record CgroupMountPoint(string Name, string HostDir, bool IsV2);

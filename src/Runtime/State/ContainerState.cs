using System.Text.Json;
using Flotilla.Runtime.Spec;

namespace Flotilla.Runtime.State;

/// <summary>What the runtime keeps about one container in <c>&lt;root&gt;/&lt;id&gt;/state.json</c>.</summary>
internal sealed record ContainerState
{
    public required string Id { get; init; }
    public required int Pid { get; init; }
    /// <summary>Start time (clock ticks since boot) of the init process, so a reused pid is not mistaken for it.</summary>
    public required ulong PidStartTime { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required IReadOnlyList<string> CgroupPaths { get; init; }
    public string OciVersion { get; init; } = "1.0.2";
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteNumber("pid", Pid);
            writer.WriteNumber("pidStartTime", PidStartTime);
            writer.WriteString("bundle", Bundle);
            writer.WriteString("rootfs", Rootfs);
            writer.WriteString("created", Created);
            writer.WriteStartArray("cgroupPaths");
            foreach (var path in CgroupPaths)
            {
                writer.WriteStringValue(path);
            }
            writer.WriteEndArray();
            writer.WriteString("ociVersion", OciVersion);
            OciState.WriteAnnotations(writer, Annotations);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static ContainerState Deserialize(byte[] json, string source) => SpecReader.Parse(json, source, "a readable state file", root =>
    {
        string id = "", bundle = "", rootfs = "", ociVersion = "1.0.2";
        var pid = 0;
        ulong pidStartTime = 0;
        var created = DateTimeOffset.MinValue;
        List<string>? cgroupPaths = null;
        Dictionary<string, string>? annotations = null;
        foreach (var (name, value) in root.Members())
        {
            switch (name)
            {
                case "id": id = value.RequiredString(); break;
                case "pid": pid = value.NullableInt() ?? 0; break;
                case "pidstarttime": pidStartTime = value.ULong(); break;
                case "bundle": bundle = value.RequiredString(); break;
                case "rootfs": rootfs = value.RequiredString(); break;
                case "created": created = value.DateTimeOffset(); break;
                case "cgrouppaths": cgroupPaths = value.Strings(); break;
                case "ociversion": ociVersion = value.RequiredString(); break;
                case "annotations": annotations = value.StringMap(); break;
            }
        }
        return new ContainerState
        {
            Id = id, Pid = pid, PidStartTime = pidStartTime, Bundle = bundle, Rootfs = rootfs, Created = created,
            CgroupPaths = cgroupPaths ?? [], OciVersion = ociVersion, Annotations = annotations,
        };
    });
}

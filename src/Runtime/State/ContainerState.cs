using System.Globalization;
using System.Text;
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

    /// <summary>
    /// state.json as UTF-8. Written by hand: Utf8JsonWriter's default encoder builds its tables of allowed
    /// characters on first use, a few hundred microseconds of every container start, for one small file.
    /// </summary>
    public byte[] Serialize()
    {
        var json = new StringBuilder(512);
        json.Append('{');
        Member(json, "id").Append(Quote(Id)).Append(',');
        Member(json, "pid").Append(Pid.ToString(CultureInfo.InvariantCulture)).Append(',');
        Member(json, "pidStartTime").Append(PidStartTime.ToString(CultureInfo.InvariantCulture)).Append(',');
        Member(json, "bundle").Append(Quote(Bundle)).Append(',');
        Member(json, "rootfs").Append(Quote(Rootfs)).Append(',');
        Member(json, "created").Append(Quote(Created.ToString("O", CultureInfo.InvariantCulture))).Append(',');
        Member(json, "cgroupPaths").Append('[').AppendJoin(',', CgroupPaths.Select(Quote)).Append("],");
        Member(json, "ociVersion").Append(Quote(OciVersion));
        if (Annotations is not null)
        {
            json.Append(',');
            Member(json, "annotations").Append('{')
                .AppendJoin(',', Annotations.Select(a => Quote(a.Key) + ":" + Quote(a.Value))).Append('}');
        }
        json.Append('}');
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private static StringBuilder Member(StringBuilder json, string name) => json.Append('"').Append(name).Append("\":");

    /// <summary>A JSON string: quote, backslash and control characters escaped, everything else as is (UTF-8).</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                < ' ' => quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }
        return quoted.Append('"').ToString();
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

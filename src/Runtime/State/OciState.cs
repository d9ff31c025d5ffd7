using System.Text.Json;

namespace Flotilla.Runtime.State;

/// <summary>The runtime-spec state document printed by <c>state</c> (runc prints the same fields).</summary>
internal sealed record OciState
{
    public required string OciVersion { get; init; }
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required int Pid { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public required DateTimeOffset Created { get; init; }
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    /// <summary>Not in the spec: true once the kernel OOM-killed a process of this container.</summary>
    public bool OomKilled { get; init; }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("ociVersion", OciVersion);
            writer.WriteString("id", Id);
            writer.WriteString("status", Status);
            writer.WriteNumber("pid", Pid);
            writer.WriteString("bundle", Bundle);
            writer.WriteString("rootfs", Rootfs);
            writer.WriteString("created", Created);
            WriteAnnotations(writer, Annotations);
            writer.WriteBoolean("oomKilled", OomKilled);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    internal static void WriteAnnotations(Utf8JsonWriter writer, IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null)
        {
            return;
        }
        writer.WriteStartObject("annotations");
        foreach (var (key, value) in annotations)
        {
            writer.WriteString(key, value);
        }
        writer.WriteEndObject();
    }
}

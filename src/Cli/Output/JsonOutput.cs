using System.Text;
using System.Text.Json;

namespace Flotilla.Cli.Output;

/// <summary>Writes JSON for <c>-o json</c>: indented, the server's field names kept, one document per call.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, JsonElement element) => Write(output, element.WriteTo);

    public static void WriteArray(TextWriter output, IEnumerable<JsonElement> elements) => Write(output, writer =>
    {
        writer.WriteStartArray();
        foreach (var element in elements)
        {
            element.WriteTo(writer);
        }

        writer.WriteEndArray();
    });

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Indented))
        {
            write(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static byte[] Build(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.ToArray();
    }
}

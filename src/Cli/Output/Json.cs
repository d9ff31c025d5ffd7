using System.Globalization;
using System.Text.Json;

namespace Flotilla.Cli.Output;

/// <summary>Lenient reads of API answers: a missing or null field reads as empty, never as a crash.</summary>
internal static class Json
{
    public static string Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? ""
            : "";

    public static long Long(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : 0;

    public static double Double(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : 0;

    public static bool Bool(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    public static JsonElement Obj(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string? name = null)
    {
        var array = name is null ? element : element.Obj(name);
        return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];
    }

    public static IEnumerable<string> Strings(this JsonElement element, string name) =>
        element.Items(name).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString() ?? "");

    public static IEnumerable<(string Key, string Value)> Pairs(this JsonElement element, string name)
    {
        var obj = element.Obj(name);
        return obj.ValueKind == JsonValueKind.Object
            ? obj.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText()))
            : [];
    }

    public static DateTimeOffset? Time(this JsonElement element, string name)
    {
        var text = element.Str(name);
        return text.Length > 0 && !text.StartsWith("0001-", StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}

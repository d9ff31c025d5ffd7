using System.Globalization;
using System.Text.Json;

namespace Flotilla.Runtime.Spec;

/// <summary>
/// Typed reads of one JSON value, each naming the field's path when the value has the wrong type
/// ("process.args[2] must be a string"). Member names match case-insensitively, as Go's encoding/json
/// (and so runc) matches them. Unknown members are ignored: the runtime-spec grows.
/// </summary>
internal readonly struct JsonFields(JsonElement element, string path)
{
    public JsonElement Element { get; } = element;

    public string Path { get; } = path;

    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>The object's members by lowercased name; throws when this value is not an object.</summary>
    public IEnumerable<(string Name, JsonFields Value)> Members()
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw Wrong("an object");
        }
        foreach (var member in Element.EnumerateObject())
        {
            yield return (member.Name.ToLowerInvariant(), new JsonFields(member.Value, Child(member.Name)));
        }
    }

    public string? String() => Element.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => Element.GetString(),
        _ => throw Wrong("a string"),
    };

    public string RequiredString() => String() ?? "";

    public bool Bool() => Element.ValueKind switch
    {
        JsonValueKind.Null => false,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Wrong("true or false"),
    };

    public bool? NullableBool() => IsNull ? null : Bool();

    public long Long() => IsNull ? 0 : Element.ValueKind == JsonValueKind.Number && Element.TryGetInt64(out var v) ? v : throw Wrong("a whole number");

    public long? NullableLong() => IsNull ? null : Long();

    public int? NullableInt() => IsNull ? null : checked((int)Range(Long(), int.MinValue, int.MaxValue));

    public ulong ULong() => IsNull ? 0 : Element.ValueKind == JsonValueKind.Number && Element.TryGetUInt64(out var v) ? v : throw Wrong("a whole number from 0 up");

    public ulong? NullableULong() => IsNull ? null : ULong();

    public DateTimeOffset DateTimeOffset() =>
        Element.ValueKind == JsonValueKind.String && Element.TryGetDateTimeOffset(out var v) ? v : throw Wrong("an ISO 8601 date and time");

    public uint UInt() => (uint)Range(Long(), 0, uint.MaxValue);

    public List<T>? List<T>(Func<JsonFields, T> read)
    {
        if (IsNull)
        {
            return null;
        }
        if (Element.ValueKind != JsonValueKind.Array)
        {
            throw Wrong("an array");
        }
        var items = new List<T>(Element.GetArrayLength());
        var i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            items.Add(read(new JsonFields(item, string.Create(CultureInfo.InvariantCulture, $"{Path}[{i++}]"))));
        }
        return items;
    }

    public List<string>? Strings() => List(static f => f.String() ?? throw f.Wrong("a string"));

    public Dictionary<string, string>? StringMap()
    {
        if (IsNull)
        {
            return null;
        }
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw Wrong("an object of strings");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in Element.EnumerateObject())
        {
            var value = new JsonFields(member.Value, Child(member.Name));
            map[member.Name] = value.String() ?? throw value.Wrong("a string");
        }
        return map;
    }

    public JsonFieldException Wrong(string expected) =>
        new($"{(Path.Length == 0 ? "the document" : Path)} must be {expected}, not {Describe(Element.ValueKind)}");

    private long Range(long value, long min, long max) =>
        value < min || value > max ? throw Wrong($"a number from {min} to {max}") : value;

    private string Child(string name) => Path.Length == 0 ? name : $"{Path}.{name}";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>A JSON value of the wrong type; <see cref="SpecReader.Parse{T}"/> names the document around it.</summary>
internal sealed class JsonFieldException(string message) : Exception(message);

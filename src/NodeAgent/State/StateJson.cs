using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.NodeAgent.State;

/// <summary>Reads and atomically writes the agent's JSON state files.</summary>
public static class StateJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes to a temporary file and renames it over <paramref name="path"/>, so readers never see half a file.</summary>
    public static void Write<T>(string path, T value)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, value, Options);
            stream.Flush();
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static T? Read<T>(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<T>(stream, Options);
    }
}

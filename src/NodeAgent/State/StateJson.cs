using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.State;

/// <summary>Reads and atomically writes the agent's JSON state files.</summary>
public static class StateJson
{
    /// <summary>Web defaults, enums as camel-case names; the metadata is generated at build time (<see cref="StateJsonContext"/>).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters =
        {
            new CamelCaseEnumConverter<ContainerState>(),
            new CamelCaseEnumConverter<MountKind>(),
            new CamelCaseEnumConverter<RestartPolicyKind>(),
            new CamelCaseEnumConverter<PortProtocol>(),
        },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = StateJsonContext.Default,
    };

    /// <summary>Writes to a temporary file and renames it over <paramref name="path"/>, so readers never see half a file.</summary>
    public static void Write<T>(string path, T value)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, value, TypeInfo<T>());
            stream.Flush();
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static T? Read<T>(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, TypeInfo<T>());
    }

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
        where TEnum : struct, Enum;
}

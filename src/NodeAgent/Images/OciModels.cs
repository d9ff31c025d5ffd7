using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Flotilla.NodeAgent.Images;

/// <summary>An OCI content descriptor: what a manifest or index points at.</summary>
internal sealed record OciDescriptor(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size)
{
    [JsonPropertyName("platform")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OciPlatform? Platform { get; init; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

internal sealed record OciPlatform(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os)
{
    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; init; }
}

/// <summary>An image manifest (OCI or Docker schema 2; the two share this shape).</summary>
internal sealed record OciManifest(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("config")] OciDescriptor Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<OciDescriptor> Layers);

/// <summary>An image index or Docker manifest list.</summary>
internal sealed record OciIndex(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string? MediaType,
    [property: JsonPropertyName("manifests")] IReadOnlyList<OciDescriptor> Manifests);

/// <summary>The parts of an image configuration blob Flotilla uses.</summary>
internal sealed record OciImageConfigFile(
    [property: JsonPropertyName("created")] string? Created,
    [property: JsonPropertyName("architecture")] string? Architecture,
    [property: JsonPropertyName("os")] string? Os,
    [property: JsonPropertyName("config")] OciRuntimeDefaults? Config,
    [property: JsonPropertyName("rootfs")] OciRootFs? RootFs);

internal sealed record OciRuntimeDefaults(
    [property: JsonPropertyName("Cmd")] IReadOnlyList<string>? Cmd,
    [property: JsonPropertyName("Entrypoint")] IReadOnlyList<string>? Entrypoint,
    [property: JsonPropertyName("Env")] IReadOnlyList<string>? Env,
    [property: JsonPropertyName("WorkingDir")] string? WorkingDir,
    [property: JsonPropertyName("User")] string? User,
    [property: JsonPropertyName("ExposedPorts")] IReadOnlyDictionary<string, JsonElement>? ExposedPorts,
    [property: JsonPropertyName("Labels")] IReadOnlyDictionary<string, string>? Labels,
    [property: JsonPropertyName("StopSignal")] string? StopSignal);

internal sealed record OciRootFs(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("diff_ids")] IReadOnlyList<string>? DiffIds);

internal static class OciJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = ImageJsonContext.Default,
    };

    /// <summary>The serializer's defaults, for the agent's own files (the catalog, layer metadata).</summary>
    public static readonly JsonSerializerOptions Plain = new() { TypeInfoResolver = ImageJsonContext.Default };

    /// <summary>The generated metadata of <typeparamref name="T"/> under <paramref name="options"/>.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    public static T Parse<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, TypeInfo<T>(Options)) ?? throw new InvalidImageContentException($"{what} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidImageContentException($"{what} is not valid JSON of the expected shape: {e.Message}", e);
        }
    }
}

using System.Text.Json.Serialization;

namespace Flotilla.Contracts.Specs;

/// <summary>
/// Source-generated (AOT-safe) JSON for specs: camelCase, unknown fields refused, numbers accepted
/// as strings so YAML's untyped scalars map onto typed fields.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = 32,
    Converters = [typeof(ScalarStringConverter)])]
[JsonSerializable(typeof(WorkloadSpec))]
public sealed partial class SpecJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;
using Flotilla.Runtime.Launch;
using Flotilla.Runtime.State;

namespace Flotilla.Runtime.Spec;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    NumberHandling = JsonNumberHandling.Strict, WriteIndented = false)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(ProcessSpec))]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(OciState))]
[JsonSerializable(typeof(InitPlan))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Flotilla.NodeAgent.Networking;

/// <summary>Source-generated serialisation of the state file, so it works trimmed and NativeAOT-compiled too.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(NetworkState))]
internal sealed partial class NetworkingJsonContext : JsonSerializerContext;

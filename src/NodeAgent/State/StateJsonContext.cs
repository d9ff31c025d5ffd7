using System.Text.Json.Serialization;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Volumes;

namespace Flotilla.NodeAgent.State;

/// <summary>The state files' types, serialized without reflection (the agent is published with NativeAOT).</summary>
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// The image store's JSON types (registry documents, the catalog, layer metadata), serialized without
/// reflection: the agent is published with NativeAOT. Used as the resolver of <see cref="OciJson"/>'s options.
/// </summary>
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciImageConfigFile))]
[JsonSerializable(typeof(List<ImageStore.DockerArchiveEntry>))]
[JsonSerializable(typeof(List<StoredImage>))]
[JsonSerializable(typeof(LayerStore.LayerMetadata))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;

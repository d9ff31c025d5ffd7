using Flotilla.NodeAgent.Images;

namespace Flotilla.NodeAgent.Containers;

/// <summary>What a hook sees of one container: its record, its image and its directory.</summary>
public sealed class ContainerContext(ContainerRecord record, ImageRecord? image, ContainerPaths paths)
{
    public ContainerRecord Record { get; set; } = record;

    /// <summary>Null when the image was removed with force after the container was created.</summary>
    public ImageRecord? Image { get; } = image;

    public ContainerPaths Paths { get; } = paths;
}

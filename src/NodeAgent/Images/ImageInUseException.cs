namespace Flotilla.NodeAgent.Images;

/// <summary>Removing an image that a container still uses, without force.</summary>
public sealed class ImageInUseException(string reference, string containerName)
    : InvalidOperationException($"image {reference} is in use by container {containerName}: remove the container first or force the removal")
{
    public string Reference { get; } = reference;

    public string ContainerName { get; } = containerName;
}

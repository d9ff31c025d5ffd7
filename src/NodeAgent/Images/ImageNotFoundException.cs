namespace Flotilla.NodeAgent.Images;

/// <summary>No local image matches the reference.</summary>
public sealed class ImageNotFoundException(string reference)
    : InvalidOperationException($"no such image: {reference} (list local images with 'flotilla images', or pull it first)")
{
    public string Reference { get; } = reference;
}

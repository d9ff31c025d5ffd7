namespace Flotilla.NodeAgent.Images;

/// <summary>Tells the image store which containers use an image; implemented by the container store.</summary>
public interface IImageUsage
{
    /// <summary>The name of a container using image <paramref name="imageId"/>, or null when none does.</summary>
    string? FindUser(string imageId);
}

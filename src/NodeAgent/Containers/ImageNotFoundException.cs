namespace Flotilla.NodeAgent.Containers;

/// <summary>A container asked for an image this host does not have; pull it first.</summary>
public sealed class ImageNotFoundException(string reference)
    : KeyNotFoundException($"No such image: {reference}")
{
    public string Reference { get; } = reference;
}

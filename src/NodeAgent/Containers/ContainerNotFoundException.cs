namespace Flotilla.NodeAgent.Containers;

public sealed class ContainerNotFoundException(string reference)
    : KeyNotFoundException($"no such container: {reference}")
{
    public string Reference { get; } = reference;
}

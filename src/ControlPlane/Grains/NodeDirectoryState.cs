namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer]
public sealed class NodeDirectoryState
{
    [Id(0)] public SortedSet<string> NodeIds { get; set; } = new(StringComparer.Ordinal);
}

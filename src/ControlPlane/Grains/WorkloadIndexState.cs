namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer]
public sealed class WorkloadIndexState
{
    [Id(0)] public SortedSet<string> Names { get; set; } = new(StringComparer.Ordinal);
}

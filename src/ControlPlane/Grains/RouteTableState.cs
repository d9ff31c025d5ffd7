namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer]
public sealed class RouteTableState
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public DateTimeOffset GeneratedAt { get; set; }
    [Id(2)] public Dictionary<string, RouteEntry> Routes { get; set; } = [];
    /// <summary>Per workload, the sequence of the last update applied, so a late one-way message cannot undo a newer one.</summary>
    [Id(3)] public Dictionary<string, long> Sequences { get; set; } = [];
}

namespace Flotilla.ControlPlane.Scheduling;

/// <summary>How feasible nodes are ranked: fill the fullest first, or balance across nodes.</summary>
public enum PlacementStrategy
{
    Spread,
    BinPack,
}

namespace Flotilla.ControlPlane.Grains;

public static class StorageNames
{
    /// <summary>The grain storage every control-plane grain persists to (files or Redis, by mode).</summary>
    public const string Default = "flotilla";
}

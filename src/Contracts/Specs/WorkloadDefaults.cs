namespace Flotilla.Contracts.Specs;

/// <summary>What a spec means where it leaves a field out.</summary>
public static class WorkloadDefaults
{
    public const int Replicas = 1;
    public const double Cpu = 0.1;
    public const long MemoryBytes = 64L << 20;
    public const int Pids = 256;
    public const string RestartPolicy = "always";
    public const string PlacementStrategy = "spread";
    public const int MaxReplicas = 1000;
}

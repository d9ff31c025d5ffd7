using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>Which workloads exist (key 0), and a version that moves whenever any of them changes.</summary>
public interface IWorkloadIndexGrain : IGrainWithIntegerKey
{
    Task Add(string name);

    Task Remove(string name);

    [ReadOnly]
    Task<List<string>> GetNames();

    [OneWay]
    Task Touch();

    /// <summary>The change version once it passes <paramref name="knownVersion"/>, or the same after <paramref name="timeout"/>.</summary>
    [AlwaysInterleave]
    Task<long> WaitForChange(long knownVersion, TimeSpan timeout);

    /// <summary>Wakes every workload so pending replicas get scheduled after a restart.</summary>
    Task ResumeAll();
}

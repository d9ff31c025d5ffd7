using Orleans.Concurrency;

namespace Flotilla.ControlPlane.Grains;

/// <summary>The gateway's route table (key 0): every exposed workload with its serving replicas, versioned.</summary>
public interface IRouteTableGrain : IGrainWithIntegerKey
{
    /// <summary>Sets (or with null removes) a workload's route; older <paramref name="sequence"/> values are ignored.</summary>
    [OneWay]
    Task Set(string workload, RouteEntry? entry, long sequence);

    [ReadOnly]
    Task<RouteTableSnapshot> Get();

    /// <summary>The table once its version passes <paramref name="knownVersion"/>, or null after <paramref name="timeout"/>.</summary>
    [AlwaysInterleave]
    Task<RouteTableSnapshot?> WaitForChange(long knownVersion, TimeSpan timeout);
}

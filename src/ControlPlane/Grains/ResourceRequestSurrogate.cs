using Flotilla.Contracts.Specs;

namespace Flotilla.ControlPlane.Grains;

/// <summary>Lets Orleans carry the Contracts' <see cref="ResourceRequest"/> (Contracts must not reference Orleans).</summary>
[GenerateSerializer]
public struct ResourceRequestSurrogate
{
    [Id(0)] public long MilliCpu;
    [Id(1)] public long MemoryBytes;
    [Id(2)] public long Pids;
}

[RegisterConverter]
public sealed class ResourceRequestSurrogateConverter : IConverter<ResourceRequest, ResourceRequestSurrogate>
{
    public ResourceRequest ConvertFromSurrogate(in ResourceRequestSurrogate surrogate) =>
        new(surrogate.MilliCpu, surrogate.MemoryBytes, surrogate.Pids);

    public ResourceRequestSurrogate ConvertToSurrogate(in ResourceRequest value) =>
        new() { MilliCpu = value.MilliCpu, MemoryBytes = value.MemoryBytes, Pids = value.Pids };
}

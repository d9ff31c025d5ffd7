namespace Flotilla.ControlPlane.Api;

public sealed record ResourcesResponse(long MilliCpu, long MemoryBytes, long Pids);

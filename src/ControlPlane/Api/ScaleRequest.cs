namespace Flotilla.ControlPlane.Api;

/// <summary>Body of POST /v1/workloads/{name}/scale.</summary>
public sealed record ScaleRequest(int? Replicas);

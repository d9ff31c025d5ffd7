namespace Flotilla.ControlPlane.Grains;

/// <summary>One exposed workload's route and the replicas it sends traffic to.</summary>
[GenerateSerializer, Immutable]
public sealed record RouteEntry
{
    [Id(0)] public required string Workload { get; init; }
    [Id(1)] public string Host { get; init; } = string.Empty;
    [Id(2)] public string PathPrefix { get; init; } = "/";
    [Id(3)] public string? HealthPath { get; init; }
    [Id(4)] public TimeSpan HealthInterval { get; init; }
    [Id(5)] public TimeSpan HealthTimeout { get; init; }
    [Id(6)] public List<RouteDestination> Destinations { get; init; } = [];

    /// <summary>Equal fingerprints mean the gateway would see no difference.</summary>
    public string Fingerprint() =>
        $"{Workload}|{Host}|{PathPrefix}|{HealthPath}|{HealthInterval}|{HealthTimeout}|" +
        string.Join(",", Destinations.OrderBy(d => d.ReplicaId, StringComparer.Ordinal).Select(d => $"{d.ReplicaId}@{d.NodeId}={d.Address}"));
}

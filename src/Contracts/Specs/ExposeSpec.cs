namespace Flotilla.Contracts.Specs;

/// <summary>A gateway route to the workload's replicas: a host, a path prefix and the named port.</summary>
public sealed record ExposeSpec
{
    public string? Host { get; init; }
    public string? Path { get; init; }
    public string? Port { get; init; }
}

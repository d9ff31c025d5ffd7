namespace Flotilla.Contracts.Specs;

/// <summary>A replica's health check, run by its agent; durations are written like "5s" or "500ms".</summary>
public sealed record HealthSpec
{
    public HttpHealthSpec? Http { get; init; }
    public string? Interval { get; init; }
    public string? Timeout { get; init; }
    public int? Retries { get; init; }
}

namespace Flotilla.Gateway.Admin;

/// <summary>A route's active health check in <c>/routes</c>.</summary>
internal sealed record HealthView(string Path, double? IntervalSeconds, double? TimeoutSeconds);

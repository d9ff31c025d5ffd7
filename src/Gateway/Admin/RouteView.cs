namespace Flotilla.Gateway.Admin;

/// <summary>One served route in <c>/routes</c>.</summary>
internal sealed record RouteView(
    string Workload,
    string Host,
    string PathPrefix,
    string LoadBalancing,
    string? SessionAffinityCookie,
    double? RequestTimeoutSeconds,
    HealthView? Health,
    IReadOnlyList<DestinationView> Destinations);

using System.Collections.Concurrent;
using Flotilla.Gateway.Routing;
using Prometheus;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Flotilla.Gateway.Metrics;

/// <summary>
/// The gateway's Prometheus metrics, in a registry of its own (so several gateways can share a
/// process in tests). Request metrics are recorded per request; health and table gauges are
/// refreshed when <c>/metrics</c> is scraped.
/// </summary>
internal sealed class GatewayMetrics
{
    /// <summary>Route label for requests that matched no route.</summary>
    public const string NoRoute = "(none)";

    // Interned labels for the usual codes, so the hot path does not allocate a string per request.
    private static readonly string[] CodeLabels = Enumerable.Range(0, 600).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private readonly Histogram _requestDuration;
    private readonly ConcurrentDictionary<string, Histogram.Child?[]> _requestDurationByRoute = new(StringComparer.Ordinal);
    private readonly Histogram _propagation;
    private readonly Gauge _tableVersion;
    private readonly Gauge _tableAge;
    private readonly Gauge _tableAppliedAge;
    private readonly Gauge _routes;
    private readonly Gauge _connected;
    private readonly Gauge _destinationAvailable;
    private readonly Gauge _destinationHealth;
    private readonly HashSet<(string Route, string Replica)> _reportedDestinations = [];
    private readonly Lock _refreshLock = new();

    public GatewayMetrics(RouteTableConfigProvider routeTable)
    {
        // The default registry would start prometheus-net's EventCounter and Meter adapters, which
        // switch on every runtime, Kestrel and HttpClient instrument: a cost on each proxied request.
        Prometheus.Metrics.SuppressDefaultMetrics();
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _requestDuration = factory.CreateHistogram(
            "flotilla_gateway_request_duration_seconds",
            "Time from receiving a request to finishing its response, by route (workload) and status code; _count gives the request rate.",
            new HistogramConfiguration
            {
                LabelNames = ["route", "code"],
                Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
            });
        _propagation = factory.CreateHistogram(
            "flotilla_gateway_route_table_propagation_seconds",
            "Time from the control plane generating a route table to the gateway applying it.",
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _tableVersion = factory.CreateGauge("flotilla_gateway_route_table_version", "Version of the route table being served (0: none yet).");
        _tableAge = factory.CreateGauge("flotilla_gateway_route_table_age_seconds", "Seconds since the control plane generated the route table being served.");
        _tableAppliedAge = factory.CreateGauge("flotilla_gateway_route_table_applied_age_seconds", "Seconds since the gateway applied the route table being served.");
        _routes = factory.CreateGauge("flotilla_gateway_routes", "Routes in the table being served.");
        _connected = factory.CreateGauge("flotilla_gateway_control_plane_connected", "1 while the route feed subscription is open, else 0.");
        _destinationAvailable = factory.CreateGauge(
            "flotilla_gateway_destination_available",
            "1 when the replica is in rotation (not marked unhealthy by an active or passive check), else 0.",
            new GaugeConfiguration { LabelNames = ["route", "replica"] });
        _destinationHealth = factory.CreateGauge(
            "flotilla_gateway_destination_health",
            "Health check verdict per replica and check kind: 1 healthy, 0 unknown, -1 unhealthy.",
            new GaugeConfiguration { LabelNames = ["route", "replica", "check"] });
        routeTable.Applied += (_, applied) => ObserveTableApplied(applied);
    }

    public CollectorRegistry Registry { get; }

    public void ObserveRequest(string route, int statusCode, TimeSpan elapsed) =>
        RequestDuration(route, statusCode).Observe(elapsed.TotalSeconds);

    // The labelled child per (route, code), cached so a request costs one dictionary hit on the route
    // id and an array index instead of prometheus-net's label-set lookup.
    private Histogram.Child RequestDuration(string route, int statusCode)
    {
        if (!_requestDurationByRoute.TryGetValue(route, out var byCode))
        {
            byCode = _requestDurationByRoute.GetOrAdd(route, static _ => new Histogram.Child?[CodeLabels.Length]);
        }

        if ((uint)statusCode >= (uint)byCode.Length)
        {
            return _requestDuration.WithLabels(route, StatusCodeLabel(statusCode));
        }

        return byCode[statusCode] ??= _requestDuration.WithLabels(route, CodeLabels[statusCode]);
    }

    private void ObserveTableApplied(AppliedRouteTable applied)
    {
        if (applied.GeneratedAt is { } generated)
        {
            _propagation.Observe(Math.Max(0, (applied.AppliedAt - generated).TotalSeconds));
        }
    }

    /// <summary>Brings the scrape-time gauges up to date.</summary>
    public void Refresh(AppliedRouteTable? table, bool connected, IProxyStateLookup proxyState, DateTimeOffset now)
    {
        lock (_refreshLock)
        {
            _connected.Set(connected ? 1 : 0);
            _tableVersion.Set(table?.Version ?? 0);
            _routes.Set(table?.Translated.Routes.Count ?? 0);
            _tableAge.Set(table?.GeneratedAt is { } generated ? Math.Max(0, (now - generated).TotalSeconds) : 0);
            _tableAppliedAge.Set(table is null ? 0 : (now - table.AppliedAt).TotalSeconds);

            var seen = new HashSet<(string Route, string Replica)>();
            foreach (var cluster in proxyState.GetClusters())
            {
                foreach (var (replica, destination) in cluster.Destinations)
                {
                    seen.Add((cluster.ClusterId, replica));
                    var health = destination.Health;
                    var active = HealthValue(health.Active);
                    var passive = HealthValue(health.Passive);
                    _destinationHealth.WithLabels(cluster.ClusterId, replica, "active").Set(active);
                    _destinationHealth.WithLabels(cluster.ClusterId, replica, "passive").Set(passive);
                    _destinationAvailable.WithLabels(cluster.ClusterId, replica).Set(active >= 0 && passive >= 0 ? 1 : 0);
                }
            }

            foreach (var gone in _reportedDestinations.Except(seen))
            {
                _destinationAvailable.RemoveLabelled(gone.Route, gone.Replica);
                _destinationHealth.RemoveLabelled(gone.Route, gone.Replica, "active");
                _destinationHealth.RemoveLabelled(gone.Route, gone.Replica, "passive");
            }

            _reportedDestinations.Clear();
            _reportedDestinations.UnionWith(seen);
        }
    }

    private static int HealthValue(DestinationHealth health) => health switch
    {
        DestinationHealth.Healthy => 1,
        DestinationHealth.Unhealthy => -1,
        _ => 0,
    };

    private static string StatusCodeLabel(int statusCode) =>
        (uint)statusCode < CodeLabels.Length ? CodeLabels[statusCode] : statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

using System.Collections.Concurrent;
using System.Globalization;
using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.Networking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// Runs the HTTP health check of every running allocation that has one: GET the path every interval,
/// with the timeout, against the node's advertised address and the host port (the path the gateway
/// uses), or the container's own address when no host port is published.
/// </summary>
public sealed class AllocationHealthChecks : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Probe> _probes = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly IContainerNetworking? _networking;
    private readonly TimeProvider _time;
    private readonly ILogger<AllocationHealthChecks> _logger;

    public AllocationHealthChecks(IServiceProvider services, TimeProvider time, ILogger<AllocationHealthChecks> logger)
    {
        ArgumentNullException.ThrowIfNull(services);
        _networking = services.GetService<IContainerNetworking>();
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The address host ports answer on; set once the link knows it.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Called when an allocation's health state changes.</summary>
    internal Action? OnChange { get; set; }

    public IReadOnlyDictionary<string, HealthState> Snapshot() =>
        _probes.ToDictionary(p => p.Key, p => p.Value.Tracker.State, StringComparer.Ordinal);

    /// <summary>Runs exactly the checks of <paramref name="targets"/>: starts new ones, stops those no longer listed.</summary>
    public void Sync(IReadOnlyList<HealthCheckTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var wanted = targets.ToDictionary(t => t.AllocationId, StringComparer.Ordinal);
        foreach (var (id, probe) in _probes)
        {
            if (!wanted.TryGetValue(id, out var target) || target.ContainerId != probe.Target.ContainerId || !target.Check.Equals(probe.Target.Check))
            {
                if (_probes.TryRemove(id, out var removed))
                {
                    removed.Stop.Cancel();
                }
            }
        }

        foreach (var target in targets)
        {
            if (_probes.ContainsKey(target.AllocationId))
            {
                continue;
            }

            var probe = new Probe(target, new HealthProbeTracker(target.Check.Retries), new CancellationTokenSource());
            if (_probes.TryAdd(target.AllocationId, probe))
            {
                _ = RunAsync(probe, probe.Stop.Token);
            }
        }
    }

    /// <summary>The URL a check probes.</summary>
    public Uri TargetOf(HealthCheckTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var check = target.Check;
        var path = check.HttpPath.StartsWith('/') ? check.HttpPath : "/" + check.HttpPath;
        var (host, port) = check.HostPort > 0 && AdvertisedAddress is { } advertised
            ? (advertised, check.HostPort)
            : (_networking?.Find(target.ContainerId)?.IpAddress ?? "127.0.0.1", check.ContainerPort);
        return new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}");
    }

    private async Task RunAsync(Probe probe, CancellationToken cancellationToken)
    {
        var check = probe.Target.Check;
        var interval = TimeSpan.FromMilliseconds(Math.Max(100, check.IntervalMs));
        var timeout = TimeSpan.FromMilliseconds(Math.Max(100, check.TimeoutMs));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, _time, cancellationToken);
                var success = await ProbeOnceAsync(TargetOf(probe.Target), timeout, cancellationToken);
                if (probe.Tracker.Record(success))
                {
                    LinkLog.HealthChanged(_logger, probe.Target.AllocationId, probe.Tracker.State.ToString());
                    OnChange?.Invoke();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The allocation stopped running or is no longer desired.
        }
    }

    private async Task<bool> ProbeOnceAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception error) when (error is HttpRequestException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        Sync([]);
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record Probe(HealthCheckTarget Target, HealthProbeTracker Tracker, CancellationTokenSource Stop);
}

using System.Runtime.CompilerServices;
using Flotilla.Gateway.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Flotilla.Gateway.HealthChecks;

/// <summary>
/// Passive health check: a replica that fails at the transport level (refused, reset)
/// <see cref="GatewayOptions.PassiveFailureThreshold"/> times in a row leaves rotation for
/// <see cref="GatewayOptions.PassiveReactivationPeriod"/>. YARP's built-in rate policy needs a
/// window of traffic before it acts; a killed container should cost a bounded number of requests.
/// </summary>
internal sealed class ConsecutiveTransportFailuresPolicy(
    IDestinationHealthUpdater healthUpdater,
    IOptions<GatewayOptions> options) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "ConsecutiveTransportFailures";

    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();
    private readonly int _threshold = options.Value.PassiveFailureThreshold;
    private readonly TimeSpan _reactivation = options.Value.PassiveReactivationPeriod;

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        if (!IsDestinationFault(error))
        {
            if (_failures.TryGetValue(destination, out var count))
            {
                Volatile.Write(ref count.Value, 0);
            }

            return;
        }

        var failures = _failures.GetValue(destination, static _ => new StrongBox<int>());
        if (Interlocked.Increment(ref failures.Value) >= _threshold)
        {
            Volatile.Write(ref failures.Value, 0);
            healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, _reactivation);
        }
    }

    // Transport failures the replica caused. Not the client hanging up, and not a timeout: one slow
    // endpoint says little about the replica, and the active health check covers a hung one.
    internal static bool IsDestinationFault(ForwarderError error) => error is
        ForwarderError.Request or
        ForwarderError.RequestBodyDestination or
        ForwarderError.ResponseHeaders or
        ForwarderError.ResponseBodyDestination or
        ForwarderError.UpgradeRequestDestination or
        ForwarderError.UpgradeResponseDestination;
}

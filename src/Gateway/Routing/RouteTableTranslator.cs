using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Flotilla.Contracts.Routes;
using Route = Flotilla.Contracts.Routes.Route;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace Flotilla.Gateway.Routing;

/// <summary>
/// Turns the control plane's route table into YARP routes and clusters. Pure: the same table
/// always gives the same configuration, so it is unit-tested without a proxy.
/// </summary>
internal static partial class RouteTableTranslator
{
    public const string DefaultLoadBalancingPolicy = "PowerOfTwoChoices";
    public const string PassiveHealthPolicyName = HealthChecks.ConsecutiveTransportFailuresPolicy.PolicyName;

    private static readonly TimeSpan DefaultHealthInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(2);

    private static readonly HashSet<string> KnownLoadBalancingPolicies = new(StringComparer.OrdinalIgnoreCase)
    {
        LoadBalancingPolicies.PowerOfTwoChoices,
        LoadBalancingPolicies.RoundRobin,
        LoadBalancingPolicies.LeastRequests,
        LoadBalancingPolicies.Random,
        LoadBalancingPolicies.FirstAlphabetical,
    };

    public static TranslatedRouteTable Translate(RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var routes = new List<RouteConfig>();
        var clusters = new List<ClusterConfig>();
        var problems = new List<string>();
        var workloads = new HashSet<string>(StringComparer.Ordinal);
        var matches = new Dictionary<(string Host, string Prefix), string>();

        // Sorted so that which of two conflicting entries wins does not depend on the sender's order.
        foreach (var route in table.Routes.OrderBy(r => r.Workload, StringComparer.Ordinal))
        {
            if (!TryTranslate(route, problems, out var routeConfig, out var clusterConfig))
            {
                continue;
            }

            if (!workloads.Add(route.Workload))
            {
                problems.Add($"workload '{route.Workload}': listed twice; the first entry is used");
                continue;
            }

            var key = (Host: route.Host.ToLowerInvariant(), Prefix: NormalizePrefix(route.PathPrefix).ToLowerInvariant());
            if (matches.TryGetValue(key, out var owner))
            {
                problems.Add($"workload '{route.Workload}': host '{route.Host}' path '{key.Prefix}' is already routed to workload '{owner}'; route skipped");
                continue;
            }

            matches.Add(key, route.Workload);
            routes.Add(routeConfig);
            clusters.Add(clusterConfig);
        }

        return new TranslatedRouteTable(routes, clusters, problems);
    }

    private static bool TryTranslate(Route route, List<string> problems, out RouteConfig routeConfig, out ClusterConfig clusterConfig)
    {
        routeConfig = null!;
        clusterConfig = null!;
        if (!WorkloadName().IsMatch(route.Workload))
        {
            problems.Add($"route with workload '{route.Workload}': not a valid workload name; route skipped");
            return false;
        }

        var prefix = NormalizePrefix(route.PathPrefix);
        if (!PathPrefix().IsMatch(prefix))
        {
            problems.Add($"workload '{route.Workload}': path prefix '{route.PathPrefix}' must start with '/' and hold only URL path characters; route skipped");
            return false;
        }

        if (route.Host.Length > 0 && !HostName().IsMatch(route.Host))
        {
            problems.Add($"workload '{route.Workload}': host '{route.Host}' is not a host name (optionally '*.' and ':port'); route skipped");
            return false;
        }

        var loadBalancing = DefaultLoadBalancingPolicy;
        if (route.LoadBalancing.Length > 0)
        {
            if (KnownLoadBalancingPolicies.TryGetValue(route.LoadBalancing, out var known))
            {
                loadBalancing = known;
            }
            else
            {
                problems.Add($"workload '{route.Workload}': unknown load balancing '{route.LoadBalancing}' (known: {string.Join(", ", KnownLoadBalancingPolicies)}); using {DefaultLoadBalancingPolicy}");
            }
        }

        SessionAffinityConfig? affinity = null;
        if (route.SessionAffinityCookie.Length > 0)
        {
            if (CookieName().IsMatch(route.SessionAffinityCookie))
            {
                affinity = new SessionAffinityConfig
                {
                    Enabled = true,
                    Policy = "HashCookie",
                    FailurePolicy = "Redistribute",
                    AffinityKeyName = route.SessionAffinityCookie,
                    Cookie = new SessionAffinityCookieConfig { HttpOnly = true, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax },
                };
            }
            else
            {
                problems.Add($"workload '{route.Workload}': session affinity cookie '{route.SessionAffinityCookie}' is not a valid cookie name; affinity off");
            }
        }

        ActiveHealthCheckConfig? active = null;
        if (route.Health is { } health)
        {
            if (health.Path.StartsWith('/'))
            {
                active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = Positive(health.Interval) ?? DefaultHealthInterval,
                    Timeout = Positive(health.Timeout) ?? DefaultHealthTimeout,
                    Policy = "ConsecutiveFailures",
                    Path = health.Path,
                };
            }
            else
            {
                problems.Add($"workload '{route.Workload}': health path '{health.Path}' must start with '/'; active health check off");
            }
        }

        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        foreach (var destination in route.Destinations)
        {
            if (destination.ReplicaId.Length == 0 || destinations.ContainsKey(destination.ReplicaId))
            {
                problems.Add($"workload '{route.Workload}': replica id '{destination.ReplicaId}' is empty or repeated; destination skipped");
                continue;
            }

            if (!TryFormatAddress(destination.Address, out var address))
            {
                problems.Add($"workload '{route.Workload}': replica '{destination.ReplicaId}' address '{destination.Address}' is not host:port; destination skipped");
                continue;
            }

            destinations.Add(destination.ReplicaId, new DestinationConfig
            {
                Address = address,
                Metadata = new Dictionary<string, string>
                {
                    ["replica"] = destination.ReplicaId,
                    ["node"] = destination.NodeId,
                },
            });
        }

        var timeout = Positive(route.RequestTimeout);
        clusterConfig = new ClusterConfig
        {
            ClusterId = route.Workload,
            LoadBalancingPolicy = loadBalancing,
            SessionAffinity = affinity,
            HealthCheck = new HealthCheckConfig
            {
                // YARP's default (HealthyOrPanic) would send traffic to replicas known to be down when none is healthy.
                AvailableDestinationsPolicy = "HealthyAndUnknown",
                Active = active,
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = PassiveHealthPolicyName },
            },
            HttpRequest = timeout is null ? null : new ForwarderRequestConfig { ActivityTimeout = timeout },
            Destinations = destinations,
        };

        routeConfig = new RouteConfig
        {
            RouteId = route.Workload,
            ClusterId = route.Workload,
            Match = new RouteMatch
            {
                Hosts = route.Host.Length > 0 ? [route.Host] : null,
                // A catch-all may be empty, so "/hello/{**rest}" matches "/hello" and "/hello/x" but not "/hellox".
                Path = prefix == "/" ? "/{**rest}" : prefix + "/{**rest}",
            },
        };
        return true;
    }

    internal static string NormalizePrefix(string prefix)
    {
        if (prefix.Length == 0)
        {
            return "/";
        }

        var trimmed = prefix.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    private static bool TryFormatAddress(string address, out string uri)
    {
        uri = "";
        var colon = address.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = address[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (IPAddress.TryParse(host, out var ip))
        {
            uri = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"http://[{ip}]:{port}/"
                : $"http://{ip}:{port}/";
            return true;
        }

        if (Uri.CheckHostName(host) == UriHostNameType.Dns)
        {
            uri = $"http://{host}:{port}/";
            return true;
        }

        return false;
    }

    private static TimeSpan? Positive(Google.Protobuf.WellKnownTypes.Duration? duration)
    {
        if (duration is null)
        {
            return null;
        }

        var span = duration.ToTimeSpan();
        return span > TimeSpan.Zero ? span : null;
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")]
    private static partial Regex WorkloadName();

    [GeneratedRegex(@"^/[A-Za-z0-9\-._~!$&'()+,;=:@%/]*$")]
    private static partial Regex PathPrefix();

    [GeneratedRegex(@"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9\-.]*[A-Za-z0-9])?(:[0-9]{1,5})?$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")]
    private static partial Regex CookieName();
}

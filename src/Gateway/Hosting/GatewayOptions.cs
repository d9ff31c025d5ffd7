namespace Flotilla.Gateway.Hosting;

/// <summary>The gateway's own listeners and proxy defaults (section <c>Gateway</c>).</summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Port for proxied traffic; 0 picks a free one (tests).</summary>
    public int ProxyPort { get; set; } = 8080;

    /// <summary>Port for <c>/metrics</c>, <c>/healthz</c> and <c>/routes</c>; 0 picks a free one (tests).</summary>
    public int AdminPort { get; set; } = 8081;

    /// <summary>
    /// Where to keep the last applied route table, so a restart without a control plane serves it;
    /// empty (the default) keeps nothing and a gateway that starts alone answers 503.
    /// </summary>
    public string RouteTableFile { get; set; } = "";

    /// <summary>Transport failures in a row that take a replica out of rotation.</summary>
    public int PassiveFailureThreshold { get; set; } = 1;

    /// <summary>How long a replica taken out by transport failures stays out before it is tried again.</summary>
    public TimeSpan PassiveReactivationPeriod { get; set; } = TimeSpan.FromSeconds(20);
}

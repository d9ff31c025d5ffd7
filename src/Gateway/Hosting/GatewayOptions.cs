namespace Flotilla.Gateway.Hosting;

/// <summary>The gateway's own listeners and proxy defaults (section <c>Gateway</c>).</summary>
internal sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Port for proxied traffic; 0 picks a free one (tests).</summary>
    public int ProxyPort { get; set; } = 8080;

    /// <summary>Port for <c>/metrics</c>, <c>/healthz</c> and <c>/routes</c>; 0 picks a free one (tests).</summary>
    public int AdminPort { get; set; } = 8081;

    /// <summary>Transport failures in a row that take a replica out of rotation.</summary>
    public int PassiveFailureThreshold { get; set; } = 1;

    /// <summary>How long a replica taken out by transport failures stays out before it is tried again.</summary>
    public TimeSpan PassiveReactivationPeriod { get; set; } = TimeSpan.FromSeconds(20);
}

namespace Flotilla.Gateway.Routing;

/// <summary>Where the route feed comes from and how the gateway identifies itself (section <c>ControlPlane</c>).</summary>
internal sealed class ControlPlaneOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary>The control plane's gRPC endpoint (h2c or TLS), e.g. <c>http://127.0.0.1:7071</c>.</summary>
    public string Address { get; set; } = "http://127.0.0.1:7071";

    /// <summary>Bearer token sent with every call. Never logged.</summary>
    public string Token { get; set; } = "";

    /// <summary>How this gateway names itself to the control plane; the machine name when empty.</summary>
    public string GatewayId { get; set; } = "";

    /// <summary>First delay after a failed or dropped subscription; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>HTTP/2 keep-alive ping period, so a control plane that vanished without closing the stream is noticed.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string EffectiveGatewayId => GatewayId.Length > 0 ? GatewayId : Environment.MachineName;

    public override string ToString() =>
        $"Address={Address}, GatewayId={EffectiveGatewayId}, Token={(Token.Length > 0 ? "***" : "(none)")}";
}

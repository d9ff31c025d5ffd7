namespace Flotilla.ControlPlane.Hosting;

/// <summary>The control plane's settings, bound from the "ControlPlane" section (env: ControlPlane__RestPort=...).</summary>
public sealed class ControlPlaneOptions
{
    public const string Section = "ControlPlane";

    /// <summary>Embedded: one silo, localhost clustering, state in local files. Cluster: Redis membership and state.</summary>
    public ControlPlaneMode Mode { get; set; } = ControlPlaneMode.Embedded;

    public int RestPort { get; set; } = 7070;
    public int GrpcPort { get; set; } = 7071;
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one on (cluster mode).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Where embedded mode keeps grain state (and generated tokens).</summary>
    public string DataDirectory { get; set; } = "/var/lib/flotilla/controlplane";

    /// <summary>StackExchange.Redis configuration string, e.g. "127.0.0.1:6379" (cluster mode).</summary>
    public string? Redis { get; set; }

    public string ClusterId { get; set; } = "flotilla";
    public string ServiceId { get; set; } = "flotilla";

    /// <summary>Bearer token for the REST and gRPC APIs. Embedded mode generates one into the data directory when unset.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Bearer token agents join with. Embedded mode generates one into the data directory when unset.</summary>
    public string? JoinToken { get; set; }

    public int HeartbeatIntervalSeconds { get; set; } = 5;

    /// <summary>A node without a heartbeat for this long is NotReady: nothing new is placed on it.</summary>
    public int NodeTimeoutSeconds { get; set; } = 15;

    /// <summary>Host ports given to replicas when an agent registers no range of its own.</summary>
    public int HostPortMin { get; set; } = 20000;
    public int HostPortMax { get; set; } = 29999;

    /// <summary>Largest REST request body accepted.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public override string ToString() =>
        $"Mode={Mode} Rest={RestPort} Grpc={GrpcPort} Silo={SiloPort} Gateway={GatewayPort} Data={DataDirectory} " +
        $"Redis={(Redis is null ? "(none)" : "(set)")} ApiToken={(ApiToken is null ? "(none)" : "(redacted)")} JoinToken={(JoinToken is null ? "(none)" : "(redacted)")}";
}

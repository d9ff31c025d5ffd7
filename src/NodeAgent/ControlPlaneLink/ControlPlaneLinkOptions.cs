namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>
/// How the agent joins a control plane (configuration section <c>ControlPlane</c>). Without an
/// <see cref="Address"/> the link is off and the agent is a plain single-host engine.
/// </summary>
public sealed class ControlPlaneLinkOptions
{
    public const string SectionName = "ControlPlane";

    /// <summary>The control plane's gRPC endpoint, e.g. <c>http://10.0.0.5:7071</c>.</summary>
    public string? Address { get; set; }

    /// <summary>The join token agents authenticate with; or give <see cref="JoinTokenFile"/>.</summary>
    public string? JoinToken { get; set; }

    /// <summary>A file holding the join token (its first line), so the secret stays out of unit files and argv.</summary>
    public string? JoinTokenFile { get; set; }

    /// <summary>
    /// The IP this node's published host ports answer on (what the gateway and health checks connect to).
    /// Unset: the local address this host uses to reach the control plane.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Labels placement constraints match (<c>zone=a</c>).</summary>
    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Schedulable CPU in thousandths of a core; 0 offers every CPU of the host.</summary>
    public long MilliCpu { get; set; }

    /// <summary>Schedulable memory in bytes; 0 offers the host's MemTotal.</summary>
    public long MemoryBytes { get; set; }

    /// <summary>Schedulable process ids; 0 offers the kernel's pid_max.</summary>
    public long Pids { get; set; }

    /// <summary>Host ports the scheduler may give this node's replicas; 0/0 takes the control plane's range.</summary>
    public int HostPortMin { get; set; }

    /// <inheritdoc cref="HostPortMin"/>
    public int HostPortMax { get; set; }

    /// <summary>How often the reconciler compares desired and actual state even when nothing announced a change.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often every allocation's status is reported again, changed or not.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Grace between the stop signal and SIGKILL when a replica is removed (whole seconds).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts to reach the control plane.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    public override string ToString() =>
        $"Address={Address ?? "(off)"} JoinToken={(JoinToken is null ? "(none)" : "(redacted)")} JoinTokenFile={JoinTokenFile ?? "(none)"} " +
        $"AdvertisedAddress={AdvertisedAddress ?? "(auto)"} Labels={string.Join(',', Labels.Select(l => $"{l.Key}={l.Value}"))} " +
        $"MilliCpu={MilliCpu} MemoryBytes={MemoryBytes} Pids={Pids} HostPorts={HostPortMin}-{HostPortMax}";
}

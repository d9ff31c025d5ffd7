namespace Flotilla.NodeAgent.State;

/// <summary>Where the agent keeps its state and how it is reached locally.</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>Root of the agent's state (<c>containers/</c>, <c>volumes/</c>, ...).</summary>
    public string StateDirectory { get; set; } = "/var/lib/flotilla";

    /// <summary>The Docker Engine API subset's unix socket.</summary>
    public string SocketPath { get; set; } = "/run/flotilla/agent.sock";

    /// <summary>HTTP port for /metrics and /healthz; 0 picks a free one.</summary>
    public int HttpPort { get; set; } = 7080;

    /// <summary>Names this host in cgroup paths (<c>flotilla/&lt;node-id&gt;/&lt;container-id&gt;</c>); the host name by default.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>A container log file is rotated when it reaches this size.</summary>
    public long LogMaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Rotated log files kept per container (besides the live one).</summary>
    public int LogMaxFiles { get; set; } = 2;

    public string ContainersDirectory => Path.Combine(StateDirectory, "containers");

    public string VolumesDirectory => Path.Combine(StateDirectory, "volumes");

    /// <summary>Removed containers' directories, moved out of <see cref="ContainersDirectory"/> and deleted in the background.</summary>
    public string TrashDirectory => Path.Combine(StateDirectory, "trash");

    public string CgroupParent => $"flotilla/{NodeId}";
}

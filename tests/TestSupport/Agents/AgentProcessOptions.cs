using Flotilla.TestSupport.Netns;

namespace Flotilla.TestSupport.Agents;

/// <summary>How <see cref="AgentProcess.StartAsync"/> starts a real node agent.</summary>
public sealed record AgentProcessOptions
{
    /// <summary>The agent's node id (<c>--Agent:NodeId</c>); also names its cgroup parent and directories. Make it unique.</summary>
    public required string NodeId { get; init; }

    /// <summary>The simulated host the agent runs in (via <c>ip netns exec</c>); null runs it in the test's own namespace.</summary>
    public NetnsHost? Host { get; init; }

    /// <summary>
    /// More configuration, appended after the defaults so it overrides them: <c>--Networking:Subnet=10.77.1.0/24</c>,
    /// <c>--Images:PlainHttpRegistries:0=198.18.4.1:5000</c>, <c>--ControlPlane:Address=...</c>. The defaults give
    /// the agent its node id, directories, runtime, HTTP port, and a bridge (<c>flt&lt;8 hex&gt;</c>) and /24 subnet
    /// of its own, never the production <c>flotilla0</c> and 10.88/16.
    /// </summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables for the agent process, on top of the test's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The OCI runtime (<c>--Runtime:Path</c>). Default: <c>FLOTILLA_TEST_RUNTIME</c>, else <c>runc</c>
    /// (<c>artifacts/bin/Runtime/flotilla-runtime</c> works in its place).
    /// </summary>
    public string? RuntimePath { get; init; }

    /// <summary>
    /// The agent's HTTP port (/metrics, /healthz). Default: 7080 inside a netns host (every host has its own
    /// ports), a free port otherwise.
    /// </summary>
    public int? HttpPort { get; init; }

    /// <summary>
    /// <c>Flotilla.NodeAgent.dll</c>. Default: <c>FLOTILLA_AGENT_DLL</c>, else the repository's
    /// <c>src/NodeAgent/bin/&lt;configuration&gt;/net10.0</c> build matching the test's own configuration.
    /// </summary>
    public string? AgentAssemblyPath { get; init; }

    /// <summary>How long the agent may take to answer <c>/_ping</c> on its socket.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

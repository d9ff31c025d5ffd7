using System.Security.Cryptography;

namespace Flotilla.TestSupport.Agents;

/// <summary>
/// What a test agent hosted in the test's own process (<c>AgentApp.Build</c>) owns on the machine, all named with a
/// random suffix so parallel test assemblies never meet: its directory (state, socket), node id (and so its cgroup
/// parent <c>flotilla/&lt;node-id&gt;</c>) and runtime root. <see cref="RemoveAsync"/> takes all of it away again,
/// including containers, cgroups and mounts the agent itself failed to remove.
/// </summary>
public sealed class AgentSandbox
{
    private AgentSandbox(string prefix, string runtimePath)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        NodeId = $"{prefix}-{suffix}";
        Root = Path.Combine("/tmp", $"flotilla-{NodeId}");
        RuntimeRoot = Path.Combine("/run", $"flotilla-{NodeId}");
        RuntimePath = runtimePath;
        Directory.CreateDirectory(Root);
    }

    public string NodeId { get; }

    public string Root { get; }

    public string StateDirectory => Path.Combine(Root, "state");

    public string SocketPath => Path.Combine(Root, "agent.sock");

    public string RuntimeRoot { get; }

    /// <summary>The OCI runtime the agent drives (runc, or flotilla-runtime).</summary>
    public string RuntimePath { get; }

    /// <summary>The agent's configuration for this sandbox, quiet logging, and an HTTP port the system picks.</summary>
    public IReadOnlyList<string> Settings =>
    [
        $"--Agent:StateDirectory={StateDirectory}",
        $"--Agent:SocketPath={SocketPath}",
        "--Agent:HttpPort=0",
        $"--Agent:NodeId={NodeId}",
        $"--Runtime:Path={RuntimePath}",
        $"--Runtime:Root={RuntimeRoot}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>Creates the sandbox's directory; <paramref name="prefix"/> starts its node id (<c>cli-test</c>).</summary>
    public static AgentSandbox Create(string prefix, string runtimePath) => new(prefix, runtimePath);

    /// <summary>Removes what the agent left: containers its runtime still knows, its cgroups, mounts, and the directories.</summary>
    public Task RemoveAsync() => AgentLeftovers.RemoveAsync(RuntimePath, RuntimeRoot, NodeId, [Root, RuntimeRoot]);
}

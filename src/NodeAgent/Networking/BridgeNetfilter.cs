using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// The host namespace's <c>net.bridge.bridge-nf-call-*</c> sysctls. With br_netfilter loaded (Docker loads it)
/// every frame crossing a bridge is also run through the IP hooks (connection tracking, NAT) before it is
/// bridged or passed up, and then again at the IP layer: on a published port that costs each reply packet a
/// second pass through netfilter. The agent's rules never need it: published ports, hairpin (masqueraded to
/// the bridge's address) and outbound traffic all cross the IP layer of the bridge device, and traffic between
/// containers of one bridge is plain switching. So while the agent's bridge carries containers the sysctls are
/// off; the values found before are persisted and written back when the last bridged container goes (or the
/// feature is turned off), so a host without Flotilla containers keeps the setting it had.
/// </summary>
/// <remarks>
/// The sysctls are per network namespace but not per bridge (a bridge's own <c>nf_call_iptables</c> can only
/// add to them), and other bridges may rely on the pass (Docker with <c>icc=false</c>, Kubernetes): so the pass is
/// turned off only while the agent's bridge is the only bridge of the namespace. Set
/// <c>Networking:BridgeNetfilterOff</c> to false to never touch it.
/// </remarks>
internal sealed class BridgeNetfilter(NetworkCommands commands, string bridge, ILogger logger)
{
    /// <summary>Other bridges seen in this agent run (checked once): the pass stays as it is.</summary>
    private IReadOnlyList<string>? _otherBridges;

    public static readonly IReadOnlyList<string> Keys =
        ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables", "net.bridge.bridge-nf-call-arptables"];

    /// <summary>
    /// Turns the pass off; the first time (nothing recorded in <paramref name="state"/>) it records the values it
    /// finds, which the caller persists. Without br_netfilter the sysctls do not exist and nothing is recorded.
    /// </summary>
    public async Task TurnOffAsync(NetworkState state, CancellationToken cancellationToken)
    {
        var first = false;
        if (state.BridgeNetfilterRestore is null)
        {
            _otherBridges ??= await OtherBridgesAsync(cancellationToken);
            if (_otherBridges.Count > 0)
            {
                return;
            }

            first = true;
            state.BridgeNetfilterRestore = (await ReadAsync(cancellationToken))
                .Where(pair => pair.Value != "0")
                .ToDictionary(StringComparer.Ordinal);
        }

        var present = state.BridgeNetfilterRestore.Count > 0 ? state.BridgeNetfilterRestore.Keys : (await ReadAsync(cancellationToken)).Keys;
        if (present.Any())
        {
            (await commands.RunOnHostAsync("sysctl", ["-q", "-w", .. present.Select(key => $"{key}=0")], null, cancellationToken))
                .EnsureSuccess("cannot turn off br_netfilter's pass of bridged frames through iptables");
            if (first)
            {
                NetworkingLog.BridgeNetfilterOff(logger, string.Join(", ", present.Select(key => $"{key}=0")), Describe(state.BridgeNetfilterRestore));
            }
        }
    }

    /// <summary>Writes back what <see cref="TurnOffAsync"/> recorded and forgets it; nothing when nothing is recorded.</summary>
    public async Task RestoreAsync(NetworkState state, CancellationToken cancellationToken)
    {
        if (state.BridgeNetfilterRestore is not { } restore)
        {
            return;
        }

        if (restore.Count > 0)
        {
            (await commands.RunOnHostAsync("sysctl", ["-q", "-w", .. restore.Select(pair => $"{pair.Key}={pair.Value}")], null, cancellationToken))
                .EnsureSuccess("cannot restore br_netfilter's sysctls");
            NetworkingLog.BridgeNetfilterRestored(logger, Describe(restore));
        }

        state.BridgeNetfilterRestore = null;
    }

    private async Task<IReadOnlyList<string>> OtherBridgesAsync(CancellationToken cancellationToken)
    {
        var links = (await commands.RunOnHostAsync("ip", ["-o", "link", "show", "type", "bridge"], null, cancellationToken))
            .EnsureSuccess("cannot list the host's bridges");
        // "4: docker0: <BROADCAST,...> mtu 1500 ..." → docker0
        var others = links.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 3)
            .Select(parts => parts[1].Split('@')[0])
            .Where(name => name != bridge)
            .ToList();
        if (others.Count > 0)
        {
            NetworkingLog.BridgeNetfilterLeftOn(logger, string.Join(", ", others));
        }
        return others;
    }

    private static string Describe(IReadOnlyDictionary<string, string> settings) =>
        settings.Count == 0 ? "all 0" : string.Join(", ", settings.Select(pair => $"{pair.Key}={pair.Value}"));

    /// <summary>The sysctls that exist in the host namespace, with their values ("key = value" lines of sysctl).</summary>
    private async Task<Dictionary<string, string>> ReadAsync(CancellationToken cancellationToken)
    {
        var read = await commands.RunOnHostAsync("sysctl", ["-e", .. Keys], null, cancellationToken);
        return read.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && Keys.Contains(parts[0]))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    }
}

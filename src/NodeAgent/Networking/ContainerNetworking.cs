using System.Globalization;
using Flotilla.NodeAgent.Networking.FastPath;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// Docker-style bridge networking for one host: a Linux bridge with the host's subnet, a veth pair and a
/// network namespace per container, published ports and outbound masquerade as nftables rules in the
/// kernel (no userspace proxy, so a stopped agent keeps every path working). Attachments are persisted
/// so addresses and ports survive agent restarts; every mutation is serialised.
/// </summary>
internal sealed class ContainerNetworking : IContainerNetworking, IDisposable
{
    private readonly NetworkingOptions _options;
    private readonly Ipv4Subnet _subnet;
    private readonly NetworkCommands _commands;
    private readonly NamespaceOperations _namespaces;
    private readonly NetworkStateStore _store;
    private readonly BridgeNetfilter _bridgeNetfilter;
    private readonly PublishedPortFastPath _fastPath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NetworkState? _state;
    private bool _hostReady;
    private Dictionary<string, NetworkAttachment> _attachments = new(StringComparer.Ordinal);

    public ContainerNetworking(IOptions<NetworkingOptions> options, ILogger<ContainerNetworking> logger)
    {
        _options = options.Value;
        _subnet = Ipv4Subnet.Parse(_options.Subnet);
        _commands = new NetworkCommands(_options.HostNetworkNamespace);
        _namespaces = new NamespaceOperations(_commands, _options, _subnet);
        _bridgeNetfilter = new BridgeNetfilter(_commands, _options.BridgeName, logger);
        _fastPath = new PublishedPortFastPath(_commands, _options, logger);
        _store = new NetworkStateStore(Path.Combine(_options.StateDirectory, $"{_options.BridgeName}.json"));
        _logger = logger;
    }

    public async Task<NetworkAttachment> AttachAsync(NetworkRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = await EnsureHostAsync(cancellationToken);
            if (state.Attachments.TryGetValue(request.ContainerId, out var existing))
            {
                return ToAttachment(existing);
            }

            var record = request.Mode.Kind switch
            {
                NetworkModeKind.Host => Record(request, null, null, null, []),
                NetworkModeKind.None => await AttachIsolatedAsync(request, cancellationToken),
                NetworkModeKind.Bridge => await AttachBridgeAsync(state, request, cancellationToken),
                _ => throw NetworkNotFoundException.For(request.Mode.Name),
            };
            if (record.Mode != NetworkModeKind.Bridge)
            {
                await CommitAsync(state, record, cancellationToken);
            }

            var attachment = ToAttachment(record);
            NetworkingLog.Attached(_logger, record.ContainerId, record.ModeName, record.IpAddress, string.Join(", ", attachment.Ports));
            return attachment;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DetachAsync(string containerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(containerId);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = LoadState();
            if (!state.Attachments.TryGetValue(containerId, out var record))
            {
                return;
            }

            if (record.Ports.Count > 0)
            {
                await ApplyRulesAsync(state.Attachments.Values.Where(a => a.ContainerId != containerId), cancellationToken);
            }

            await TearDownAsync(record, cancellationToken);
            state.Attachments.Remove(containerId);
            if (!HasBridgedContainers(state))
            {
                await _bridgeNetfilter.RestoreAsync(state, cancellationToken);
            }

            await SaveAsync(state, cancellationToken);
            NetworkingLog.Detached(_logger, containerId);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReconcileAsync(IReadOnlyCollection<string> liveContainerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(liveContainerIds);
        var live = liveContainerIds.ToHashSet(StringComparer.Ordinal);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = LoadState();
            foreach (var record in state.Attachments.Values.Where(a => !live.Contains(a.ContainerId)).ToList())
            {
                NetworkingLog.RemovingStale(_logger, record.ContainerId);
                try
                {
                    await TearDownAsync(record, cancellationToken);
                }
                catch (NetworkingException e)
                {
                    NetworkingLog.CleanupFailed(_logger, e, "the namespace or veth", record.ContainerId);
                }

                state.Attachments.Remove(record.ContainerId);
            }

            await RemoveLeftoversAsync(state, cancellationToken);
            _hostReady = false;
            await EnsureHostAsync(cancellationToken);
            await SaveAsync(state, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public NetworkAttachment? Find(string containerId) =>
        Volatile.Read(ref _attachments).GetValueOrDefault(containerId) ?? FindPersisted(containerId);

    public async Task<IReadOnlyList<InterfaceStatistics>> GetInterfaceStatisticsAsync(string containerId, CancellationToken cancellationToken)
    {
        if (Find(containerId)?.NetworkNamespacePath is not { } path || !File.Exists(path))
        {
            return [];
        }

        var read = await _commands.RunInNamespaceAsync(path, "cat", ["/proc/net/dev"], null, cancellationToken);
        return NetDevParser.Parse(read.EnsureSuccess($"cannot read the interface counters of container {containerId}"));
    }

    public void Dispose()
    {
        _gate.Dispose();
        _fastPath.Dispose();
    }

    private static void Validate(NetworkRequest request)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.ContainerId);
        if (request.ContainerId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.') || request.ContainerId.StartsWith('.'))
        {
            throw new NetworkingException($"container id '{request.ContainerId}' may only hold letters, digits, '-', '_' and '.'");
        }

        foreach (var port in request.Ports)
        {
            port.Validate();
        }

        if (request.Ports.Count > 0 && request.Mode.Kind is NetworkModeKind.Host or NetworkModeKind.None)
        {
            throw new InvalidPortMappingException(
                $"ports cannot be published with --network {request.Mode.Name}: in host mode the container binds host ports itself, in none mode it has no network");
        }
    }

    private async Task<AttachmentRecord> AttachIsolatedAsync(NetworkRequest request, CancellationToken cancellationToken)
    {
        var path = await _namespaces.CreateNamespaceAsync(request.ContainerId, cancellationToken);
        return Record(request, path, null, null, []);
    }

    private async Task<AttachmentRecord> AttachBridgeAsync(NetworkState state, NetworkRequest request, CancellationToken cancellationToken)
    {
        // Everything that can be refused is decided before anything is created.
        var bound = request.Ports.Count == 0 ? [] : await ListBoundSocketsAsync(cancellationToken);
        var ports = HostPortAllocator.Resolve(request.Ports,
            state.Attachments.Values.SelectMany(a => a.Ports.Select(p => (a.ContainerId, p))), bound,
            _options.HostPortRangeStart, _options.HostPortRangeEnd);
        var address = AddressAllocator.Allocate(_subnet,
            state.Attachments.Values.Select(a => a.IpAddress).OfType<string>(), state.LastAddress);

        var undo = new Stack<Func<Task>>();
        try
        {
            var path = await _namespaces.CreateNamespaceAsync(request.ContainerId, cancellationToken);
            undo.Push(() => NamespaceOperations.RemoveNamespaceAsync(path, CancellationToken.None));
            var hostInterface = NamespaceOperations.HostInterfaceName(request.ContainerId);
            undo.Push(() => _namespaces.RemoveInterfaceAsync(hostInterface, CancellationToken.None));
            await _namespaces.CreateInterfaceAsync(request.ContainerId, path, hostInterface, address, cancellationToken);
            if (_options.BridgeNetfilterOff && state.BridgeNetfilterRestore is null)
            {
                undo.Push(async () =>
                {
                    if (!HasBridgedContainers(state))
                    {
                        await _bridgeNetfilter.RestoreAsync(state, CancellationToken.None);
                    }
                });
                await _bridgeNetfilter.TurnOffAsync(state, cancellationToken);
            }

            var record = Record(request, path, Ipv4Subnet.Format(address), hostInterface, ports);
            state.Attachments[record.ContainerId] = record;
            undo.Push(async () =>
            {
                state.Attachments.Remove(record.ContainerId);
                await ApplyRulesAsync(state.Attachments.Values, CancellationToken.None);
            });
            if (ports.Count > 0)
            {
                await ApplyRulesAsync(state.Attachments.Values, cancellationToken);
            }

            state.LastAddress = record.IpAddress;
            await SaveAsync(state, cancellationToken);
            return record;
        }
        catch
        {
            while (undo.TryPop(out var step))
            {
                try
                {
                    await step();
                }
                catch (Exception undoFailure) when (undoFailure is NetworkingException or IOException)
                {
                    NetworkingLog.UndoFailed(_logger, undoFailure, request.ContainerId);
                }
            }

            throw;
        }
    }

    private async Task CommitAsync(NetworkState state, AttachmentRecord record, CancellationToken cancellationToken)
    {
        state.Attachments[record.ContainerId] = record;
        try
        {
            await SaveAsync(state, cancellationToken);
        }
        catch (IOException)
        {
            state.Attachments.Remove(record.ContainerId);
            if (record.NetworkNamespacePath is not null)
            {
                await NamespaceOperations.RemoveNamespaceAsync(record.NetworkNamespacePath, CancellationToken.None);
            }

            throw;
        }
    }

    private async Task TearDownAsync(AttachmentRecord record, CancellationToken cancellationToken)
    {
        if (record.HostInterface is not null)
        {
            await _namespaces.RemoveInterfaceAsync(record.HostInterface, cancellationToken);
        }

        if (record.NetworkNamespacePath is not null)
        {
            await NamespaceOperations.RemoveNamespaceAsync(record.NetworkNamespacePath, cancellationToken);
        }

        if (record.IpAddress is not null)
        {
            await ForgetConnectionsAsync(record.IpAddress, cancellationToken);
        }
    }

    /// <summary>
    /// Drops the connection-tracking entries of a removed container. Without this a client that keeps sending
    /// UDP to a published port keeps its entry alive and stays DNATed to the dead address, even after another
    /// container publishes the port. Needs the <c>conntrack</c> tool; without it the entries just time out.
    /// </summary>
    private async Task ForgetConnectionsAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            // Exit code 1 means "no entry matched", which is fine.
            await _commands.RunOnHostAsync("conntrack", ["-D", "--reply-src", address], null, cancellationToken);
            await _commands.RunOnHostAsync("conntrack", ["-D", "--orig-src", address], null, cancellationToken);
        }
        catch (NetworkingException e)
        {
            NetworkingLog.CleanupFailed(_logger, e, "connection tracking entries", address);
        }
    }

    /// <summary>Namespaces and veths a crash left behind between creating them and persisting the attachment.</summary>
    private async Task RemoveLeftoversAsync(NetworkState state, CancellationToken cancellationToken)
    {
        if (Directory.Exists(_options.NetnsDirectory))
        {
            var owned = state.Attachments.Values.Select(a => a.NetworkNamespacePath).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var path in Directory.EnumerateFiles(_options.NetnsDirectory).Where(p => !owned.Contains(p)).ToList())
            {
                NetworkingLog.RemovingLeftover(_logger, "network namespace", path);
                await NamespaceOperations.RemoveNamespaceAsync(path, cancellationToken);
            }
        }

        var interfaces = state.Attachments.Values.Select(a => a.HostInterface).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var name in (await _namespaces.ListBridgeInterfacesAsync(cancellationToken)).Where(n => !interfaces.Contains(n)))
        {
            NetworkingLog.RemovingLeftover(_logger, "interface", name);
            await _namespaces.RemoveInterfaceAsync(name, cancellationToken);
        }
    }

    /// <summary>Creates the bridge (once per agent run), turns on forwarding and rewrites the rules from the state.</summary>
    private async Task<NetworkState> EnsureHostAsync(CancellationToken cancellationToken)
    {
        var state = LoadState();
        if (_hostReady)
        {
            return state;
        }

        var bridge = _options.BridgeName;
        var exists = await _commands.RunOnHostAsync("ip", ["link", "show", "dev", bridge], null, cancellationToken);
        if (!exists.Succeeded)
        {
            (await _commands.RunOnHostAsync("ip", ["link", "add", "name", bridge, "mtu", _options.Mtu.ToString(CultureInfo.InvariantCulture), "type", "bridge"], null, cancellationToken))
                .EnsureSuccess($"cannot create bridge {bridge}");
        }

        var gateway = $"{Ipv4Subnet.Format(_subnet.Gateway)}/{_subnet.PrefixLength}";
        (await _commands.RunOnHostAsync("ip", ["-batch", "-"], $"addr replace {gateway} dev {bridge}\nlink set dev {bridge} up\n", cancellationToken))
            .EnsureSuccess($"cannot give bridge {bridge} its address {gateway}");

        // Forwarding for the containers' traffic; route_localnet so 127.0.0.1:hostPort, DNATed in output, may leave through the bridge.
        (await _commands.RunOnHostAsync("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1", $"net/ipv4/conf/{bridge}/route_localnet=1"], null, cancellationToken))
            .EnsureSuccess("cannot enable IPv4 forwarding");

        await ApplyRulesAsync(state.Attachments.Values, cancellationToken);
        await AllowForwardingThroughIptablesAsync(cancellationToken);
        // Once per agent run: something else (dockerd creating a network) may have turned the pass back on.
        if (_options.BridgeNetfilterOff && HasBridgedContainers(state))
        {
            await _bridgeNetfilter.TurnOffAsync(state, cancellationToken);
        }
        else
        {
            await _bridgeNetfilter.RestoreAsync(state, cancellationToken);
        }

        _hostReady = true;
        NetworkingLog.HostReady(_logger, bridge, Ipv4Subnet.Format(_subnet.Gateway), _subnet.PrefixLength, state.Attachments.Count, NftRuleset.TableName(bridge));
        return state;
    }

    /// <summary>
    /// A host where Docker (or a firewall) set the iptables FORWARD policy to DROP would drop the containers'
    /// forwarded traffic whatever our own table says (an nftables accept does not override another table's
    /// drop), so the bridge's traffic is accepted there explicitly, once, and only when the policy is DROP.
    /// </summary>
    private async Task AllowForwardingThroughIptablesAsync(CancellationToken cancellationToken)
    {
        CommandResult forward;
        try
        {
            forward = await _commands.RunOnHostAsync("iptables", ["-w", "-S", "FORWARD"], null, cancellationToken);
        }
        catch (NetworkingException)
        {
            return; // no iptables on this host: nothing can drop our traffic there
        }

        if (!forward.Succeeded || !forward.Output.Contains("-P FORWARD DROP", StringComparison.Ordinal))
        {
            return;
        }

        foreach (var direction in new[] { "-i", "-o" })
        {
            string[] rule = ["FORWARD", direction, _options.BridgeName, "-m", "comment", "--comment", $"flotilla {_options.BridgeName}", "-j", "ACCEPT"];
            if (!(await _commands.RunOnHostAsync("iptables", ["-w", "-C", .. rule], null, cancellationToken)).Succeeded)
            {
                (await _commands.RunOnHostAsync("iptables", ["-w", "-I", .. rule], null, cancellationToken))
                    .EnsureSuccess("cannot accept the bridge's traffic in the iptables FORWARD chain (its policy is DROP)");
            }
        }
    }

    private static bool HasBridgedContainers(NetworkState state) => state.Attachments.Values.Any(a => a.HostInterface is not null);

    /// <summary>The nftables rules, then the eBPF fast path (entries removed before a container's veth goes, added after its rules).</summary>
    private async Task ApplyRulesAsync(IEnumerable<AttachmentRecord> attachments, CancellationToken cancellationToken)
    {
        var all = attachments.ToList();
        (await _commands.RunOnHostAsync("nft", ["-f", "-"], NftRuleset.Build(_options.BridgeName, _subnet, all), cancellationToken))
            .EnsureSuccess("cannot install the published-port and masquerade rules");
        await _fastPath.SyncAsync(all, cancellationToken);
    }

    private async Task<IReadOnlyList<ListeningSocket>> ListBoundSocketsAsync(CancellationToken cancellationToken)
    {
        var listed = await _commands.RunOnHostAsync("ss", ["-H", "-l", "-n", "-t", "-u"], null, cancellationToken);
        return ListeningSocket.ParseSs(listed.EnsureSuccess("cannot list the host's bound ports"));
    }

    private NetworkState LoadState()
    {
        if (_state is not null)
        {
            return _state;
        }

        var state = _store.Load();
        if (state.Subnet is { } persisted && persisted != _subnet.ToString() && state.Attachments.Values.Any(a => a.IpAddress is not null))
        {
            throw new NetworkingException(
                $"Networking:Subnet changed from {persisted} to {_subnet} while containers still hold addresses of the old one; remove them or restore the setting");
        }

        state.Subnet = _subnet.ToString();
        _state = state;
        Publish(state);
        return state;
    }

    private async Task SaveAsync(NetworkState state, CancellationToken cancellationToken)
    {
        await _store.SaveAsync(state, cancellationToken);
        Publish(state);
    }

    private void Publish(NetworkState state) =>
        Volatile.Write(ref _attachments, state.Attachments.Values.ToDictionary(a => a.ContainerId, ToAttachment, StringComparer.Ordinal));

    private NetworkAttachment? FindPersisted(string containerId)
    {
        if (_state is not null)
        {
            return null;
        }

        return _store.Load().Attachments.TryGetValue(containerId, out var record) ? ToAttachment(record) : null;
    }

    private static AttachmentRecord Record(NetworkRequest request, string? path, string? address, string? hostInterface, IReadOnlyList<PublishedPort> ports) =>
        new(request.ContainerId, request.Name, request.Hostname, request.Mode.Kind, request.Mode.Name, path, address, hostInterface,
            address is null ? null : NamespaceOperations.MacAddress(Ipv4Subnet.ParseAddress(address)), ports, request.Aliases);

    private NetworkAttachment ToAttachment(AttachmentRecord record)
    {
        var hostResolvConf = File.Exists(_options.ResolvConfPath) ? File.ReadAllText(_options.ResolvConfPath) : "";
        var mode = record.Mode == NetworkModeKind.UserDefined ? NetworkMode.UserDefined(record.ModeName) : NetworkMode.Parse(record.ModeName);
        if (record.Mode == NetworkModeKind.Host)
        {
            var hostname = Environment.MachineName;
            var hosts = File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : ContainerFiles.Hosts(null, hostname, [], []);
            return new NetworkAttachment(record.ContainerId, mode, null, mode.Name, null, 0, null, null, [], hosts,
                ContainerFiles.Hostname(hostname), hostResolvConf);
        }

        var hasAddress = record.IpAddress is not null;
        return new NetworkAttachment(record.ContainerId, mode, record.NetworkNamespacePath, mode.Name, record.IpAddress,
            hasAddress ? _subnet.PrefixLength : 0, hasAddress ? Ipv4Subnet.Format(_subnet.Gateway) : null, record.MacAddress,
            record.Ports, ContainerFiles.Hosts(record.IpAddress, record.Hostname, [record.Name, .. record.Aliases], []),
            ContainerFiles.Hostname(record.Hostname), ContainerFiles.ResolvConf(hostResolvConf, _options.FallbackDnsServers));
    }
}

using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Flotilla.NodeAgent.Networking.FastPath;

/// <summary>
/// Published ports through eBPF (what Cilium calls BPF host routing, for published ports only): a tc program at
/// ingress of each external interface DNATs a published port's packets and hands them straight to the container's
/// eth0, and a program at ingress of the container's host-side veth sends that flow's replies back out with the
/// host's address and port, skipping the host's routing, netfilter, connection tracking and the bridge. Anything
/// the programs do not take goes the usual way, through the nftables rules, which stay as they are.
/// </summary>
/// <remarks>
/// Maps and tcx links are pinned in <see cref="NetworkingOptions.FastPathPinDirectory"/>, so the path keeps working
/// while no agent runs; each sync rewrites the maps and links from the persisted attachments (a restarted agent
/// loads its programs again and swaps them into the pinned links), so nothing stale survives a crash. If the
/// kernel refuses (no CAP_BPF, no tcx) the agent logs it once and keeps the nftables path alone.
/// </remarks>
internal sealed partial class PublishedPortFastPath(NetworkCommands commands, NetworkingOptions options, ILogger logger) : IDisposable
{
    private const string BpffsRoot = "/sys/fs/bpf";
    private const int ENODEV = 19;

    private readonly HashSet<string> _swappedLinks = new(StringComparer.Ordinal);
    private FastPathMaps? _maps;
    private BpfHandle? _ingress;
    private BpfHandle? _reply;
    private bool _unavailable;

    private string PinDirectory => options.FastPathPinDirectory ?? throw new InvalidOperationException("Networking:FastPathPinDirectory is not set");

    private string LinkDirectory => Path.Combine(PinDirectory, "links");

    /// <summary>
    /// Makes the kernel's fast path equal <paramref name="attachments"/>' published ports: entries, flows of removed
    /// containers, programs on the external interfaces and on the published containers' veths. With nothing
    /// published (or the fast path off) everything is removed, pins included.
    /// </summary>
    public async Task SyncAsync(IEnumerable<AttachmentRecord> attachments, CancellationToken cancellationToken)
    {
        var published = attachments.Where(a => a.IpAddress is not null && a.HostInterface is not null && a.Ports.Count > 0).ToList();
        if (!options.FastPath || published.Count == 0)
        {
            Remove();
            return;
        }

        if (_unavailable)
        {
            return;
        }

        var listed = await commands.RunOnHostAsync("ip", ["-j", "addr", "show"], null, cancellationToken);
        var interfaces = HostInterface.ParseIpJson(listed.EnsureSuccess("cannot list the host's interfaces"));
        try
        {
            await NamespaceThread.RunAsync(options.HostNetworkNamespace, () => Apply(published, interfaces));
        }
        catch (Exception e) when (e is BpfException or IOException or UnauthorizedAccessException)
        {
            // Whatever part was made goes again: a half-made fast path could take packets it cannot answer.
            _unavailable = true;
            NetworkingLog.FastPathUnavailable(logger, e.Message);
            Remove();
        }
    }

    /// <summary>The packets the fast path carried for a published port so far; null when it has no entry for it.</summary>
    public static ulong? PacketCount(string pinDirectory, PortProtocol protocol, int hostPort)
    {
        using var map = BpfSyscall.OpenPinned(Path.Combine(pinDirectory, "published"));
        var value = new byte[FastPathMaps.PublishedValueSize];
        return map is not null && BpfSyscall.Lookup(map, FastPathMaps.PublishedKey(protocol, hostPort), value) ? FastPathMaps.PacketCount(value) : null;
    }

    /// <summary>
    /// Unpins everything: the links detach, and the maps go with the programs. Only the fast path's own pins are
    /// removed (a pin directory set to a directory holding anything else keeps it).
    /// </summary>
    public void Remove()
    {
        DisposeHandles();
        if (!Directory.Exists(PinDirectory))
        {
            return;
        }

        try
        {
            if (Directory.Exists(LinkDirectory))
            {
                foreach (var pin in Directory.EnumerateFiles(LinkDirectory).Where(p => Path.GetFileName(p).StartsWith("ingress-", StringComparison.Ordinal)
                    || Path.GetFileName(p).StartsWith("reply-", StringComparison.Ordinal)).ToList())
                {
                    File.Delete(pin);
                }

                DeleteIfEmpty(LinkDirectory);
            }

            foreach (var map in FastPathMaps.Names)
            {
                File.Delete(Path.Combine(PinDirectory, map));
            }

            DeleteIfEmpty(PinDirectory);
            NetworkingLog.FastPathRemoved(logger, PinDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            NetworkingLog.FastPathRemoveFailed(logger, PinDirectory, e.Message);
        }
    }

    public void Dispose() => DisposeHandles();

    private bool Apply(IReadOnlyList<AttachmentRecord> published, IReadOnlyList<HostInterface> interfaces)
    {
        EnsureBpffs();
        Directory.CreateDirectory(LinkDirectory);
        var maps = _maps ??= FastPathMaps.OpenOrCreate(PinDirectory);
        _ingress ??= BpfSyscall.LoadProgram(FastPathPrograms.Ingress(maps), "flt_published");
        _reply ??= BpfSyscall.LoadProgram(FastPathPrograms.Reply(maps), "flt_reply");

        var byName = interfaces.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var external = interfaces.Where(i => i.Name != "lo" && i.Name != options.BridgeName && i.Ipv4Addresses.Count > 0).ToList();
        var bridgeMac = byName.TryGetValue(options.BridgeName, out var bridge) ? bridge.Mac : new byte[6];

        SyncEntries(maps.Addresses, FastPathMaps.AddressKeySize, external.SelectMany(i => i.Ipv4Addresses.Select(a => (FastPathMaps.AddressKey(i.Index, a), new byte[4]))), compareLength: 4);
        var containers = new List<(AttachmentRecord Record, HostInterface Veth)>();
        foreach (var record in published)
        {
            if (byName.TryGetValue(record.HostInterface!, out var veth))
            {
                containers.Add((record, veth));
            }
        }

        var links = external.Select(i => (Name: $"ingress-{i.Name}-{i.Index}", Ifindex: i.Index, Program: _ingress))
            .Concat(containers.Select(c => (Name: $"reply-{c.Veth.Name}-{c.Veth.Index}", Ifindex: c.Veth.Index, Program: _reply)))
            .ToList();
        // A new container's reply program is in place before its ports are, and a removed container's entries go
        // before its program: the ingress program never hands over a packet whose replies nobody would translate.
        AttachLinks(links);
        SyncEntries(maps.Published, FastPathMaps.PublishedKeySize, containers.SelectMany(c => c.Record.Ports.Select(port => (
            FastPathMaps.PublishedKey(port.Protocol, port.HostPort),
            FastPathMaps.PublishedValue(Ipv4Subnet.ParseAddress(c.Record.IpAddress!), port.ContainerPort, c.Veth.Index,
                port.HostIp == "0.0.0.0" ? 0 : Ipv4Subnet.ParseAddress(port.HostIp), HostInterface.ParseMac(c.Record.MacAddress!), bridgeMac)))),
            compareLength: 32);
        ForgetFlows(maps.Flows, containers.Select(c => Ipv4Subnet.ParseAddress(c.Record.IpAddress!)).ToHashSet());

        PruneLinks(links.Select(l => l.Name).ToHashSet(StringComparer.Ordinal));
        NetworkingLog.FastPathSynced(logger, containers.Sum(c => c.Record.Ports.Count), string.Join(", ", external.Select(i => i.Name)), PinDirectory);
        return true;
    }

    /// <summary>Puts every wanted entry in the map (unchanged ones, compared on their first bytes, keep their counters) and deletes the rest.</summary>
    private static void SyncEntries(BpfHandle map, int keySize, IEnumerable<(byte[] Key, byte[] Value)> wanted, int compareLength)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var current = new byte[FastPathMaps.PublishedValueSize];
        foreach (var (key, value) in wanted)
        {
            keys.Add(Convert.ToHexString(key));
            var existing = current.AsSpan(0, value.Length);
            if (!BpfSyscall.Lookup(map, key, existing) || !existing[..compareLength].SequenceEqual(value.AsSpan(0, compareLength)))
            {
                BpfSyscall.Update(map, key, value);
            }
        }

        foreach (var key in BpfSyscall.Keys(map, keySize))
        {
            if (!keys.Contains(Convert.ToHexString(key)))
            {
                BpfSyscall.Delete(map, key);
            }
        }
    }

    /// <summary>Flows whose container no longer publishes anything: their replies must not be rewritten for a successor at the same address.</summary>
    private static void ForgetFlows(BpfHandle flows, HashSet<uint> publishedContainers)
    {
        foreach (var key in BpfSyscall.Keys(flows, FastPathMaps.FlowKeySize))
        {
            if (!publishedContainers.Contains(FastPathMaps.FlowContainer(key)))
            {
                BpfSyscall.Delete(flows, key);
            }
        }
    }

    /// <summary>Pins of links no longer wanted (their interface is gone, or nothing there is published): unpinned, they detach.</summary>
    private void PruneLinks(HashSet<string> wanted)
    {
        foreach (var pin in Directory.EnumerateFiles(LinkDirectory).Where(p => !wanted.Contains(Path.GetFileName(p))).ToList())
        {
            File.Delete(pin);
            _swappedLinks.Remove(Path.GetFileName(pin));
        }
    }

    /// <summary>
    /// One pinned tcx link per wanted (interface, program). A link pinned by an earlier agent gets this run's
    /// program swapped in (once per run).
    /// </summary>
    private void AttachLinks(IReadOnlyList<(string Name, int Ifindex, BpfHandle Program)> wanted)
    {
        foreach (var (name, ifindex, program) in wanted)
        {
            var path = Path.Combine(LinkDirectory, name);
            using (var pinned = BpfSyscall.OpenPinned(path))
            {
                if (pinned is not null)
                {
                    if (_swappedLinks.Contains(name) || BpfSyscall.UpdateLink(pinned, program))
                    {
                        _swappedLinks.Add(name);
                        continue;
                    }

                    File.Delete(path); // its interface went away: a new one with the same index is attached afresh
                }
            }

            try
            {
                using var link = BpfSyscall.AttachTcxIngress(program, ifindex);
                BpfSyscall.Pin(link, path);
                _swappedLinks.Add(name);
            }
            catch (BpfException e) when (e.Errno == ENODEV)
            {
                // Removed since it was listed: the next sync no longer wants it.
            }
        }
    }

    /// <summary>Mounts bpffs at /sys/fs/bpf when the pins go there and nothing is mounted yet (as systemd would).</summary>
    private void EnsureBpffs()
    {
        if (!PinDirectory.StartsWith(BpffsRoot + "/", StringComparison.Ordinal) || IsBpffs(BpffsRoot))
        {
            return;
        }

        Directory.CreateDirectory(BpffsRoot);
        if (Mount("bpf", BpffsRoot, "bpf", 0, "mode=0700") != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new BpfException($"cannot mount bpffs at {BpffsRoot}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        NetworkingLog.BpffsMounted(logger, BpffsRoot);
    }

    private static void DeleteIfEmpty(string directory)
    {
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
        }
    }

    private static bool IsBpffs(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line =>
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            return fields.Length > 4 && separator > 0 && separator + 1 < fields.Length && fields[4] == path && fields[separator + 1] == "bpf";
        });

    private void DisposeHandles()
    {
        _ingress?.Dispose();
        _reply?.Dispose();
        _maps?.Dispose();
        (_ingress, _reply, _maps) = (null, null, null);
        _swappedLinks.Clear();
    }

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string fileSystemType, nuint flags, string data);
}

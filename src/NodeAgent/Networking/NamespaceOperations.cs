using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Flotilla.NodeAgent.Networking;

/// <summary>The kernel steps of one container's network: its namespace, its veth pair, its address and routes.</summary>
internal sealed class NamespaceOperations(NetworkCommands commands, NetworkingOptions options, Ipv4Subnet subnet)
{
    /// <summary>Prefix of the host ends of veth pairs, so leftovers can be recognised on the bridge.</summary>
    public const string HostInterfacePrefix = "flt";

    public string NamespacePath(string containerId) => Path.Combine(options.NetnsDirectory, containerId);

    /// <summary>The host end's name: at most 15 characters, stable for a container id.</summary>
    public static string HostInterfaceName(string containerId) =>
        HostInterfacePrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(containerId)))[..10];

    /// <summary>A locally administered MAC derived from the address, as Docker does, so a reused address keeps its MAC.</summary>
    public static string MacAddress(uint address) => string.Create(CultureInfo.InvariantCulture,
        $"02:42:{address >> 24:x2}:{(address >> 16) & 0xff:x2}:{(address >> 8) & 0xff:x2}:{address & 0xff:x2}");

    /// <summary>Creates a network namespace and bind-mounts it at the container's path; <c>lo</c> is brought up.</summary>
    public async Task<string> CreateNamespaceAsync(string containerId, CancellationToken cancellationToken)
    {
        var path = NamespacePath(containerId);
        Directory.CreateDirectory(options.NetnsDirectory);
        await RemoveNamespaceAsync(path, cancellationToken);
        await File.WriteAllBytesAsync(path, [], cancellationToken);
        var created = await NetworkCommands.RunAsync("unshare", [$"--net={path}", "true"], null, cancellationToken);
        if (!created.Succeeded)
        {
            File.Delete(path);
            created.EnsureSuccess($"cannot create the network namespace of container {containerId}");
        }

        (await commands.RunInNamespaceAsync(path, "ip", ["link", "set", "lo", "up"], null, cancellationToken))
            .EnsureSuccess($"cannot bring up lo for container {containerId}");
        return path;
    }

    /// <summary>
    /// Whether <paramref name="path"/> still holds a network namespace (an nsfs mount in this mount namespace).
    /// A host reboot empties /run, and a cleanup may unmount it: the file then names nothing to join.
    /// </summary>
    public static bool IsMounted(string path) =>
        File.ReadLines("/proc/self/mountinfo").Any(line =>
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            return fields.Length > 4 && separator > 0 && separator + 1 < fields.Length
                && fields[4] == path && fields[separator + 1] == "nsfs";
        });

    /// <summary>Unmounts and deletes a namespace file; absent or unmounted is fine.</summary>
    public static async Task RemoveNamespaceAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var unmounted = await NetworkCommands.RunAsync("umount", [path], null, cancellationToken);
        if (!unmounted.Succeeded && !unmounted.Error.Contains("not mounted", StringComparison.Ordinal))
        {
            unmounted.EnsureSuccess($"cannot unmount network namespace {path}");
        }

        File.Delete(path);
    }

    /// <summary>
    /// Creates the veth pair: the host end on the bridge, <c>eth0</c> in the namespace with address, MAC and
    /// default route. Hairpin mode on the bridge port lets a container reach its own published port
    /// through the host's address (the DNATed packet goes back out the port it came in).
    /// </summary>
    public async Task CreateInterfaceAsync(string containerId, string namespacePath, string hostInterface, uint address, CancellationToken cancellationToken)
    {
        var mtu = options.Mtu.ToString(CultureInfo.InvariantCulture);
        var hostSide = $"""
            link add name {hostInterface} mtu {mtu} type veth peer name eth0 mtu {mtu} address {MacAddress(address)} netns {namespacePath}
            link set dev {hostInterface} master {options.BridgeName}
            link set dev {hostInterface} type bridge_slave hairpin on
            link set dev {hostInterface} up

            """;
        (await commands.RunOnHostAsync("ip", ["-batch", "-"], hostSide, cancellationToken))
            .EnsureSuccess($"cannot create the veth pair of container {containerId}");

        var containerSide = $"""
            addr add {Ipv4Subnet.Format(address)}/{subnet.PrefixLength} dev eth0
            link set dev eth0 up
            route add default via {Ipv4Subnet.Format(subnet.Gateway)} dev eth0

            """;
        (await commands.RunInNamespaceAsync(namespacePath, "ip", ["-batch", "-"], containerSide, cancellationToken))
            .EnsureSuccess($"cannot configure eth0 of container {containerId}");
    }

    /// <summary>Deletes the host end of a veth pair (its peer goes with it); an absent interface is fine.</summary>
    public async Task RemoveInterfaceAsync(string hostInterface, CancellationToken cancellationToken)
    {
        var deleted = await commands.RunOnHostAsync("ip", ["link", "del", "dev", hostInterface], null, cancellationToken);
        if (!deleted.Succeeded && !deleted.Error.Contains("Cannot find device", StringComparison.Ordinal))
        {
            deleted.EnsureSuccess($"cannot delete interface {hostInterface}");
        }
    }

    /// <summary>The names of the interfaces enslaved to the bridge that look like the agent's veths.</summary>
    public async Task<IReadOnlyList<string>> ListBridgeInterfacesAsync(CancellationToken cancellationToken)
    {
        var listed = await commands.RunOnHostAsync("ip", ["-o", "link", "show", "master", options.BridgeName], null, cancellationToken);
        if (!listed.Succeeded)
        {
            return [];
        }

        // "7: flt0123456789@if2: <BROADCAST,...> ..."
        return listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3) is [_, var name, _] ? name.Trim().Split('@')[0] : "")
            .Where(name => name.StartsWith(HostInterfacePrefix, StringComparison.Ordinal))
            .ToList();
    }
}

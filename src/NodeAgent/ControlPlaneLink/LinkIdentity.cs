using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Flotilla.Contracts.Agent;
using Flotilla.NodeAgent.State;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>Who this agent is to the control plane: resolved once per registration.</summary>
internal sealed record LinkIdentity(string NodeId, string JoinToken, string AdvertisedAddress)
{
    public static string AgentVersion { get; } =
        typeof(LinkIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";

    /// <summary>The node id the control plane knows this host by: the agent's node id in lower case.</summary>
    public static string NodeIdOf(AgentOptions agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.NodeId.ToLowerInvariant();
    }

    /// <summary>Reads the join token (from its file each time, so a rotated token is picked up) and finds the advertised address.</summary>
    public static async Task<LinkIdentity> ResolveAsync(ControlPlaneLinkOptions options, AgentOptions agent, CancellationToken cancellationToken)
    {
        var token = string.IsNullOrWhiteSpace(options.JoinTokenFile)
            ? options.JoinToken!.Trim()
            : (await File.ReadAllLinesAsync(options.JoinTokenFile, cancellationToken)).FirstOrDefault()?.Trim() ?? "";
        if (token.Length == 0)
        {
            throw new InvalidOperationException($"the join token file {options.JoinTokenFile} is empty");
        }

        var advertised = string.IsNullOrWhiteSpace(options.AdvertisedAddress)
            ? await RouteSourceAddressAsync(new Uri(options.Address!), cancellationToken)
            : options.AdvertisedAddress;
        return new LinkIdentity(NodeIdOf(agent), token, advertised);
    }

    public RegisterRequest ToRegisterRequest(ControlPlaneLinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var request = new RegisterRequest
        {
            NodeId = NodeId,
            Address = AdvertisedAddress,
            Capacity = HostCapacity.Resolve(options),
            AgentVersion = AgentVersion,
            HostPortMin = options.HostPortMin,
            HostPortMax = options.HostPortMax,
        };
        request.Labels.Add(options.Labels);
        return request;
    }

    /// <summary>The local address the kernel picks to reach the control plane (a UDP connect sends nothing).</summary>
    private static async Task<string> RouteSourceAddressAsync(Uri controlPlane, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(controlPlane.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(controlPlane.DnsSafeHost, cancellationToken);
        var target = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
        using var socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(new IPEndPoint(target, controlPlane.Port), cancellationToken);
        return ((IPEndPoint)socket.LocalEndPoint!).Address.ToString();
    }
}

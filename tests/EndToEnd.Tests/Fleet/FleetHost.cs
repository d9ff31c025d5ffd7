namespace Flotilla.EndToEnd.Tests.Fleet;

/// <summary>One netns host of a fleet, as <c>fleet.sh up</c> lists it.</summary>
/// <param name="Name"><c>host-1</c>, <c>host-2</c>, ….</param>
/// <param name="NodeId">The agent's node id (its cgroup parent is <c>flotilla/&lt;NodeId&gt;</c>).</param>
/// <param name="Address">The host's address on the fleet's bridge.</param>
/// <param name="Namespace">The network namespace the agent runs in.</param>
/// <param name="SocketPath">The agent's Docker Engine API socket.</param>
internal sealed record FleetHost(string Name, string NodeId, string Address, string Namespace, string SocketPath);

namespace Flotilla.NodeAgent.Networking;

/// <summary>How a container is connected: Docker's <c>--network</c> choices.</summary>
public enum NetworkModeKind
{
    /// <summary>Its own network namespace on the host's bridge, with an address from the host's subnet.</summary>
    Bridge,

    /// <summary>The host's network namespace; no isolation, no published ports.</summary>
    Host,

    /// <summary>Its own network namespace with only <c>lo</c>.</summary>
    None,

    /// <summary>Its own network namespace on a named user-defined network, where containers find each other by name.</summary>
    UserDefined,
}

namespace Flotilla.ControlPlane.Auth;

public static class Policies
{
    /// <summary>Operators and tools: the REST and gRPC scheduling APIs.</summary>
    public const string Api = "api";

    /// <summary>Node agents: the agent link.</summary>
    public const string Agent = "agent";

    /// <summary>Infrastructure readers (gateway): the route feed, with either token.</summary>
    public const string RouteFeed = "route-feed";
}

namespace Flotilla.NodeAgent.Networking;

/// <summary>
/// A container's network mode as given to <c>--network</c>: <c>bridge</c> (also <c>default</c> or empty),
/// <c>host</c>, <c>none</c>, or the name of a user-defined network.
/// </summary>
public sealed record NetworkMode
{
    private NetworkMode(NetworkModeKind kind, string name)
    {
        Kind = kind;
        Name = name;
    }

    public static NetworkMode Bridge { get; } = new(NetworkModeKind.Bridge, "bridge");

    public static NetworkMode Host { get; } = new(NetworkModeKind.Host, "host");

    public static NetworkMode None { get; } = new(NetworkModeKind.None, "none");

    public NetworkModeKind Kind { get; }

    /// <summary>The name Docker reports (<c>bridge</c>, <c>host</c>, <c>none</c> or the network's name).</summary>
    public string Name { get; }

    public static NetworkMode UserDefined(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new NetworkMode(NetworkModeKind.UserDefined, name);
    }

    /// <summary>Reads a <c>--network</c> value; empty or <c>default</c> means the bridge.</summary>
    public static NetworkMode Parse(string? value) => value?.Trim() switch
    {
        null or "" or "default" or "bridge" => Bridge,
        "host" => Host,
        "none" => None,
        var name => UserDefined(name),
    };

    public override string ToString() => Name;
}

using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Containers;

/// <summary>What a user asked for when creating a container (the run options). Immutable once created.</summary>
public sealed record ContainerSpec
{
    public string? Name { get; init; }

    public required string Image { get; init; }

    /// <summary>Overrides the image's Cmd when not null.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Overrides the image's Entrypoint when not null (an empty list clears it).</summary>
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public string? Hostname { get; init; }

    /// <summary>Memory limit in bytes; 0 = unlimited.</summary>
    public long Memory { get; init; }

    /// <summary>CPU limit in billionths of a CPU (Docker's NanoCpus); 0 = unlimited.</summary>
    public long NanoCpus { get; init; }

    /// <summary>Maximum number of processes; 0 = unlimited.</summary>
    public long PidsLimit { get; init; }

    public bool ReadOnlyRootfs { get; init; }

    public RestartPolicy RestartPolicy { get; init; } = RestartPolicy.No;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    /// <summary>Remove the container once it exits (<c>run --rm</c>).</summary>
    public bool AutoRemove { get; init; }

    /// <summary><c>host</c>, <c>none</c> or <c>bridge</c> (the agent's default network when networking is on).</summary>
    public string NetworkMode { get; init; } = "host";

    /// <summary>Ports to publish (<c>-p</c>); only meaningful on a network of the container's own.</summary>
    public IReadOnlyList<PortMapping> Ports { get; init; } = [];

    public string? StopSignal { get; init; }

    /// <summary>Seconds between the stop signal and SIGKILL; null = 10.</summary>
    public int? StopTimeout { get; init; }
}

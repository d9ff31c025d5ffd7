namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// Everything the agent knows about one container; persisted as <c>containers/&lt;id&gt;/container.json</c>
/// after every change so a restarted agent can re-adopt it.
/// </summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required ContainerSpec Spec { get; init; }

    public required string ImageId { get; init; }

    /// <summary>The process the container runs: the image's entrypoint and cmd merged with the overrides.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    public required IReadOnlyList<string> Env { get; init; }

    public required string WorkingDir { get; init; }

    public required string User { get; init; }

    public required string Hostname { get; init; }

    public required DateTimeOffset Created { get; init; }

    public ContainerState State { get; init; } = ContainerState.Created;

    public int Pid { get; init; }

    /// <summary>Kernel start time of <see cref="Pid"/>, to recognise the same process after an agent restart.</summary>
    public long PidStartTime { get; init; }

    public int ExitCode { get; init; }

    public string? Error { get; init; }

    public bool OomKilled { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public int RestartCount { get; init; }

    /// <summary>Consecutive quick failures, for the restart backoff.</summary>
    public int BackoffStep { get; init; }

    /// <summary>True when the last exit came from a stop/kill through the API (no restart; unless-stopped stays down).</summary>
    public bool StoppedByUser { get; init; }

    /// <summary>The network namespace path the network hook made; null with the host network.</summary>
    public string? NetworkNamespace { get; init; }

    public string ShortId => Id[..12];
}

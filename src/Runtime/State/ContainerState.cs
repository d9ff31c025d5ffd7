namespace Flotilla.Runtime.State;

/// <summary>What the runtime keeps about one container in <c>&lt;root&gt;/&lt;id&gt;/state.json</c>.</summary>
internal sealed record ContainerState
{
    public required string Id { get; init; }
    public required int Pid { get; init; }
    /// <summary>Start time (clock ticks since boot) of the init process, so a reused pid is not mistaken for it.</summary>
    public required ulong PidStartTime { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required IReadOnlyList<string> CgroupPaths { get; init; }
    public string OciVersion { get; init; } = "1.0.2";
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}

using System.Text.Json.Serialization;

namespace Flotilla.Runtime.State;

/// <summary>The runtime-spec state document printed by <c>state</c> (runc prints the same fields).</summary>
internal sealed record OciState
{
    public required string OciVersion { get; init; }
    public required string Id { get; init; }
    public required string Status { get; init; }
    public required int Pid { get; init; }
    public required string Bundle { get; init; }
    public required string Rootfs { get; init; }
    public required DateTimeOffset Created { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }
    /// <summary>Not in the spec: true once the kernel OOM-killed a process of this container.</summary>
    public bool OomKilled { get; init; }
}

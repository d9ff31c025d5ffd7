namespace Flotilla.Contracts.Specs;

/// <summary>
/// A workload as a user writes it (YAML or JSON). Every field is optional at this level so a bad
/// document can be reported field by field; <see cref="WorkloadSpecValidator"/> says what is required.
/// </summary>
public sealed record WorkloadSpec
{
    public string? Name { get; init; }
    public string? Image { get; init; }
    public int? Replicas { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public ResourceSpec? Resources { get; init; }
    public IReadOnlyList<PortSpec>? Ports { get; init; }
    public ExposeSpec? Expose { get; init; }
    public HealthSpec? Health { get; init; }
    public RestartSpec? Restart { get; init; }
    public UpdateSpec? Update { get; init; }
    public PlacementSpec? Placement { get; init; }
    public IReadOnlyList<VolumeSpec>? Volumes { get; init; }
}

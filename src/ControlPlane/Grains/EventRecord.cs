namespace Flotilla.ControlPlane.Grains;

/// <summary>Something that happened, worth showing an operator.</summary>
[GenerateSerializer, Immutable]
public sealed record EventRecord
{
    [Id(0)] public long Sequence { get; init; }
    [Id(1)] public DateTimeOffset At { get; init; }
    [Id(2)] public required string Kind { get; init; }
    [Id(3)] public string? Workload { get; init; }
    [Id(4)] public string? NodeId { get; init; }
    [Id(5)] public required string Message { get; init; }
}

namespace Flotilla.ControlPlane.Grains;

[GenerateSerializer, Immutable]
public sealed record RevisionRecord(
    [property: Id(0)] long Revision,
    [property: Id(1)] string SpecJson,
    [property: Id(2)] DateTimeOffset At);

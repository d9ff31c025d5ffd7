using Flotilla.ControlPlane.Grains;

namespace Flotilla.ControlPlane.Api;

public sealed record EventResponse(long Sequence, DateTimeOffset At, string Kind, string? Workload, string? NodeId, string Message)
{
    public static EventResponse From(EventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Sequence, record.At, record.Kind, record.Workload, record.NodeId, record.Message);
    }
}

using System.Globalization;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>What the reconciler needs to know of one container the link owns.</summary>
public sealed record ObservedContainer
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string AllocationId { get; init; }

    public required long Revision { get; init; }

    public required ContainerState State { get; init; }

    public RestartPolicyKind RestartPolicy { get; init; }

    public int ExitCode { get; init; }

    /// <summary>Why the last start failed, if it did.</summary>
    public string? Error { get; init; }

    public int RestartCount { get; init; }

    /// <summary>The last exit came from a stop through the API or a failed start: the engine will not restart it.</summary>
    public bool StoppedByUser { get; init; }

    /// <summary>The container as the reconciler sees it; null for a container the link does not own.</summary>
    public static ObservedContainer? From(ContainerRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.Spec.Labels.TryGetValue(AllocationLabels.Allocation, out var allocation))
        {
            return null;
        }

        _ = long.TryParse(record.Spec.Labels.GetValueOrDefault(AllocationLabels.Revision), NumberStyles.Integer, CultureInfo.InvariantCulture, out var revision);
        return new ObservedContainer
        {
            Id = record.Id,
            Name = record.Name,
            AllocationId = allocation,
            Revision = revision,
            State = record.State,
            RestartPolicy = record.Spec.RestartPolicy.Kind,
            ExitCode = record.ExitCode,
            Error = record.Error,
            RestartCount = record.RestartCount,
            StoppedByUser = record.StoppedByUser,
        };
    }
}

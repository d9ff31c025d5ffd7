using Flotilla.Contracts.Agent;

namespace Flotilla.NodeAgent.ControlPlaneLink;

/// <summary>A snapshot of desired and actual state for one reconcile pass.</summary>
public sealed record ReconcileInput
{
    /// <summary>The node's whole desired allocation set.</summary>
    public required IReadOnlyList<Allocation> Desired { get; init; }

    /// <summary>The containers the link owns (those carrying <see cref="AllocationLabels.Allocation"/>).</summary>
    public required IReadOnlyList<ObservedContainer> Containers { get; init; }

    /// <summary>Whether the image store holds an image.</summary>
    public required Func<string, bool> HasImage { get; init; }

    /// <summary>Images being pulled right now.</summary>
    public IReadOnlySet<string> Pulling { get; init; } = new HashSet<string>();

    /// <summary>The last failure per allocation id, until it succeeds.</summary>
    public IReadOnlyDictionary<string, AllocationFailure> Failures { get; init; } = new Dictionary<string, AllocationFailure>();

    /// <summary>Health check results per allocation id.</summary>
    public IReadOnlyDictionary<string, HealthState> Health { get; init; } = new Dictionary<string, HealthState>();

    public required DateTimeOffset Now { get; init; }
}

using Flotilla.NodeAgent.Networking;

namespace Flotilla.NodeAgent.Tests.Networking;

/// <summary>Compares attachments by value, lists included (records compare lists by reference).</summary>
internal sealed class AttachmentComparer : IEqualityComparer<NetworkAttachment?>
{
    public static AttachmentComparer Instance { get; } = new();

    public bool Equals(NetworkAttachment? x, NetworkAttachment? y) =>
        x is null || y is null
            ? x is null && y is null
            : x with { Ports = [] } == y with { Ports = [] } && x.Ports.SequenceEqual(y.Ports);

    public int GetHashCode(NetworkAttachment? obj) => obj?.ContainerId.GetHashCode(StringComparison.Ordinal) ?? 0;
}

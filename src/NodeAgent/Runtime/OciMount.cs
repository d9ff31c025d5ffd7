namespace Flotilla.NodeAgent.Runtime;

/// <summary>One entry of config.json's <c>mounts</c>.</summary>
public sealed record OciMount(string Destination, string Type, string Source, IReadOnlyList<string> Options);

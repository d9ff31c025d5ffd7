namespace Flotilla.NodeAgent.Runtime;

/// <summary>Which OCI runtime the agent drives (runc-CLI compatible) and where it keeps its state.</summary>
public sealed class RuntimeOptions
{
    public const string SectionName = "Runtime";

    /// <summary>The runtime binary: <c>flotilla-runtime</c> by default, <c>runc</c> works in its place.</summary>
    public string Path { get; set; } = "/usr/local/bin/flotilla-runtime";

    /// <summary>The runtime's <c>--root</c> state directory.</summary>
    public string Root { get; set; } = "/run/flotilla/runtime";
}

namespace Flotilla.NodeAgent.Containers;

/// <summary>The files of one container under <c>containers/&lt;id&gt;/</c>; the directory is also its OCI bundle.</summary>
public sealed record ContainerPaths(string Directory)
{
    public string RecordFile => Path.Combine(Directory, "container.json");

    public string Rootfs => Path.Combine(Directory, "rootfs");

    public string Upper => Path.Combine(Directory, "upper");

    public string Work => Path.Combine(Directory, "work");

    /// <summary>The container's own stdout (append-only, written by the container, drained by the agent).</summary>
    public string StdoutPipe => Path.Combine(Directory, "stdout.raw");

    public string StderrPipe => Path.Combine(Directory, "stderr.raw");

    /// <summary>Timestamped log lines, written only by the agent.</summary>
    public string Log => Path.Combine(Directory, "container.log");

    public string Etc => Path.Combine(Directory, "etc");
}

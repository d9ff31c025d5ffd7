namespace Flotilla.NodeAgent.Containers;

/// <summary>A process to run (or running, or done) inside a running container.</summary>
public sealed record ExecSession
{
    public required string Id { get; init; }

    public required string ContainerId { get; init; }

    public required IReadOnlyList<string> Args { get; init; }

    public IReadOnlyList<string> Env { get; init; } = [];

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public bool AttachStdin { get; init; }

    public bool AttachStdout { get; init; } = true;

    public bool AttachStderr { get; init; } = true;

    public bool Running { get; init; }

    public int? ExitCode { get; init; }

    public int Pid { get; init; }
}

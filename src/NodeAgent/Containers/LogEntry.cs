namespace Flotilla.NodeAgent.Containers;

/// <summary>One line a container wrote, with the time the agent collected it.</summary>
public sealed record LogEntry(DateTimeOffset Time, LogStream Stream, string Text);

public enum LogStream
{
    Stdout = 1,
    Stderr = 2,
}

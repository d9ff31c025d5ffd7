using System.Text;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.Tests.Support;

/// <summary>
/// Base of the engine tests that run once per OCI runtime: each test gets a fresh <see cref="AgentFixture"/>
/// driving <paramref name="runtime"/>, plus helpers that read what a user would see (logs, exec output).
/// </summary>
public abstract class AgentTests(string runtime, params string[] settings) : IAsyncLifetime
{
    protected AgentFixture Agent { get; private set; } = null!;

    protected ContainerEngine Engine => Agent.Engine;

    public async Task InitializeAsync() => Agent = await AgentFixture.StartAsync(runtime, settings);

    public async Task DisposeAsync() => await Agent.DisposeAsync();

    protected static ContainerSpec Spec(string name, params string[] command) =>
        new() { Name = name, Image = AgentFixture.Image, Command = command };

    /// <summary>Creates and starts a container, as <c>docker run -d</c>.</summary>
    protected async Task<ContainerRecord> RunAsync(ContainerSpec spec)
    {
        var record = await Engine.CreateAsync(spec, CancellationToken.None);
        await Engine.StartAsync(record.Id, CancellationToken.None);
        return Engine.Get(record.Id);
    }

    /// <summary>The container's log lines as <c>stream:text</c>.</summary>
    protected async Task<List<string>> ReadLogsAsync(string name, LogReadOptions options)
    {
        var lines = new List<string>();
        var id = Engine.Get(name).Id;
        await Engine.Logs.ReadAsync(id, options, Engine.ExitedTask(id), (entry, _) =>
        {
            lines.Add($"{entry.Stream.ToString().ToLowerInvariant()}:{entry.Text.TrimEnd('\n')}");
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return lines;
    }

    protected async Task<string> ExecAsync(string container, params string[] command)
    {
        var (exitCode, output) = await ExecWithCodeAsync(container, command);
        Assert.True(exitCode == 0, $"exec {string.Join(' ', command)} in {container} exited with {exitCode}: {output}");
        return output;
    }

    /// <summary>Runs <paramref name="command"/> in the container; stdout and stderr together.</summary>
    protected async Task<(int ExitCode, string Output)> ExecWithCodeAsync(string container, params string[] command)
    {
        var session = Agent.Exec.Create(container, command, [], null, null, false, true, true);
        var output = new StringBuilder();
        var exitCode = await Agent.Exec.RunAsync(session.Id, null, (_, bytes, _) =>
        {
            lock (output)
            {
                output.Append(Encoding.UTF8.GetString(bytes.Span));
            }

            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return (exitCode, output.ToString());
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    protected static async Task WaitForAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}

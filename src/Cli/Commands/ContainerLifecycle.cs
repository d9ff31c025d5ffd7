using System.Globalization;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>start</c>, <c>stop</c>, <c>restart</c>, <c>rm</c> on one or more containers: each name is printed as it
/// succeeds, each failure reported; the exit code is 1 when any failed.
/// </summary>
internal static class ContainerLifecycle
{
    private static readonly OptionSpec Time = OptionSpec.Value("time", 't', "SECONDS", "Seconds to wait for the stop signal before SIGKILL (default: the container's, 10)");

    public static Command Start { get; } = new(
        new CommandSpec("start", "Start stopped containers", "CONTAINER...", 1, CommandSpec.Unbounded, CommonOptions.Local()),
        (context, command, token) => EachAsync(context, command, (engine, id) => engine.SendAsync("POST", $"/containers/{id}/start", default, token)));

    public static Command Stop { get; } = new(
        new CommandSpec("stop", "Stop running containers (the stop signal, then SIGKILL)", "CONTAINER...", 1, CommandSpec.Unbounded, CommonOptions.Local(Time)),
        (context, command, token) => EachAsync(context, command, (engine, id) => engine.SendAsync("POST", $"/containers/{id}/stop{TimeQuery(command)}", default, token)));

    public static Command Restart { get; } = new(
        new CommandSpec("restart", "Restart containers", "CONTAINER...", 1, CommandSpec.Unbounded, CommonOptions.Local(Time)),
        (context, command, token) => EachAsync(context, command, (engine, id) => engine.SendAsync("POST", $"/containers/{id}/restart{TimeQuery(command)}", default, token)));

    public static Command Remove { get; } = new(
        new CommandSpec("rm", "Remove containers and their writable layers", "CONTAINER...", 1, CommandSpec.Unbounded, CommonOptions.Local(
            OptionSpec.Flag("force", 'f', "Stop and remove running containers"))),
        (context, command, token) => EachAsync(context, command, (engine, id) =>
            engine.DeleteAsync($"/containers/{id}{(command.Flag("force") ? "?force=1" : "")}", token)));

    public static Command Kill { get; } = new(
        new CommandSpec("kill", "Send a signal to containers' main process (default SIGKILL)", "CONTAINER...", 1, CommandSpec.Unbounded, CommonOptions.Local(
            OptionSpec.Value("signal", 's', "SIGNAL", "The signal: a name (SIGTERM, HUP) or a number"))),
        (context, command, token) => EachAsync(context, command, (engine, id) =>
            engine.SendAsync("POST", $"/containers/{id}/kill{(command.Value("signal") is { } signal ? $"?signal={EngineClient.Escape(signal)}" : "")}", default, token)));

    private static string TimeQuery(ParsedCommand command) =>
        command.Int("time", min: 0) is { } seconds ? $"?t={seconds.ToString(CultureInfo.InvariantCulture)}" : "";

    /// <summary>Runs <paramref name="action"/> for every argument, as docker does: report each, fail at the end.</summary>
    public static async Task<int> EachAsync(CommandContext context, ParsedCommand command, Func<EngineClient, string, Task> action)
    {
        // A bad --time is a usage error before anything is touched, not one failure per container.
        _ = command.Has("time") ? TimeQuery(command) : "";
        var engine = context.Engine(command);
        var failed = false;
        foreach (var name in command.Arguments)
        {
            try
            {
                await action(engine, EngineClient.Escape(name));
                await context.Out.WriteLineAsync(name);
            }
            catch (EngineException error)
            {
                failed = true;
                await context.Err.WriteLineAsync($"Error: {error.Message}");
            }
        }

        return failed ? ExitCodes.Error : ExitCodes.Ok;
    }
}

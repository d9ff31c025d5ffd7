using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla exec CONTAINER COMMAND...</c> (no TTY, no stdin): prints its output and exits with its exit code.</summary>
internal static class ContainerExec
{
    public static Command Command { get; } = new(
        new CommandSpec("exec", "Run a command in a running container", "CONTAINER COMMAND [ARG...]", 2, CommandSpec.Unbounded,
            CommonOptions.Local(
                OptionSpec.Flag("detach", 'd', "Run the command in the background"),
                OptionSpec.Many("env", 'e', "KEY=VALUE", "Set an environment variable"),
                OptionSpec.Value("user", 'u', "USER[:GROUP]", "Run as this user"),
                OptionSpec.Value("workdir", 'w', "DIR", "Working directory for the command")),
            StopAtFirstArgument: true,
            Details: "flotilla exits with the command's exit code (126: cannot be invoked, 127: not found)."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var container = command.Arguments[0];
        var detach = command.Flag("detach");
        var body = JsonOutput.Build(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("AttachStdin", false);
            w.WriteBoolean("AttachStdout", !detach);
            w.WriteBoolean("AttachStderr", !detach);
            w.WriteBoolean("Tty", false);
            w.WriteStartArray("Cmd");
            foreach (var arg in command.Arguments.Skip(1))
            {
                w.WriteStringValue(arg);
            }

            w.WriteEndArray();
            w.WriteStartArray("Env");
            foreach (var env in command.Values("env"))
            {
                w.WriteStringValue(env);
            }

            w.WriteEndArray();
            if (command.Value("user") is { } user)
            {
                w.WriteString("User", user);
            }

            if (command.Value("workdir") is { } workdir)
            {
                w.WriteString("WorkingDir", workdir);
            }

            w.WriteEndObject();
        });
        var engine = context.Engine(command);
        using var created = await engine.PostJsonAsync($"/containers/{EngineClient.Escape(container)}/exec", body, cancellationToken)
            ?? throw new CliException("the agent created no exec session (empty answer)");
        var execId = created.RootElement.Str("Id");
        var start = JsonOutput.Build(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("Detach", detach);
            w.WriteBoolean("Tty", false);
            w.WriteEndObject();
        });
        if (detach)
        {
            await engine.SendAsync("POST", $"/exec/{execId}/start", start, cancellationToken);
            return ExitCodes.Ok;
        }

        var (connection, response) = await engine.OpenStreamAsync("POST", $"/exec/{execId}/start", start, upgrade: false, cancellationToken);
        var stderrTail = new TailBuffer(4096);
        await using (connection)
        {
            await MultiplexedStream.CopyAsync(response.Body, context.StandardOutput, context.StandardError, cancellationToken, stderrTail);
        }

        using var inspect = await engine.GetJsonAsync($"/exec/{execId}/json", cancellationToken);
        var root = inspect.RootElement;
        if (root.Bool("Running"))
        {
            throw new CliException($"the command in {container} was still running when its output ended");
        }

        var exitCode = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ExitCode", out var code) && code.ValueKind == JsonValueKind.Number
            ? code.GetInt32()
            : ExitCodes.Error;

        // The runtime reports a command it could not start as exit 255 with its reason on stderr; docker says 126/127.
        return exitCode is 255 or -1 && stderrTail.Text is var tail && tail.Contains("exec", StringComparison.OrdinalIgnoreCase)
            && ContainerRun.StartFailureCode(tail) is var mapped && mapped != ExitCodes.RunFailed
            ? mapped
            : exitCode;
    }
}

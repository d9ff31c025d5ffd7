using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla run IMAGE [COMMAND...]</c>: create (pulling the image when the agent lacks it), attach,
/// start, and exit with the container's exit code; with <c>-d</c>, start and print the ID.
/// </summary>
internal static class ContainerRun
{
    public static Command Command { get; } = new(
        new CommandSpec("run", "Create and start a container", "IMAGE [COMMAND] [ARG...]", 1, CommandSpec.Unbounded,
            CommonOptions.Local(RunOptions.Options), StopAtFirstArgument: true,
            Details: "In the foreground, the container's output streams here and flotilla exits with its exit code.\n" +
                "Exit codes: 125 the container could not be created or started, 126 its command cannot be invoked,\n" +
                "127 its command was not found; otherwise the container's own."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        StageTrace.Mark("parse");
        var image = command.Arguments[0];
        var body = RunOptions.BuildCreateBody(command, image, [.. command.Arguments.Skip(1)]);
        var engine = context.Engine(command);
        var detach = command.Flag("detach");
        var id = await CreateAsync(context, engine, image, command.Value("name"), body, cancellationToken);
        StageTrace.Mark("create");
        if (detach)
        {
            await StartAsync(engine, id, command.Flag("rm"), cancellationToken);
            await context.Out.WriteLineAsync(id);
            return ExitCodes.Ok;
        }

        // Attach and wait before starting, so no output is missed and a --rm container's removal is seen;
        // the two connections are opened side by side.
        var condition = command.Flag("rm") ? "removed" : "next-exit";
        var attachTask = OpenAsync(engine, "POST", $"/containers/{id}/attach?stream=1&stdout=1&stderr=1", upgrade: true, cancellationToken);
        var waitTask = OpenAsync(engine, "POST", $"/containers/{id}/wait?condition={condition}", upgrade: false, cancellationToken);
        try
        {
            await Task.WhenAll(attachTask, waitTask);
        }
        catch
        {
            await DisposeOpenedAsync(attachTask, waitTask);
            throw;
        }

        var (attachConnection, _) = await attachTask;
        var (waitConnection, wait) = await waitTask;
        await using (attachConnection)
        await using (waitConnection)
        {
            StageTrace.Mark("attach+wait");
            await StartAsync(engine, id, command.Flag("rm"), cancellationToken);
            StageTrace.Mark("start");

            // Ctrl-C goes to the container as SIGINT (docker's sig-proxy) and flotilla keeps streaming until it
            // exits; a second Ctrl-C ends flotilla itself.
            await using var proxy = cancellationToken.Register(() => _ = ForwardInterruptAsync(engine, id));
            await MultiplexedStream.CopyAsync(attachConnection.RawInput, context.StandardOutput, context.StandardError, CancellationToken.None);
            StageTrace.Mark("output");
            using var result = await JsonDocument.ParseAsync(wait.Body, cancellationToken: CancellationToken.None);
            StageTrace.Mark(command.Flag("rm") ? "exit+remove" : "exit");
            var error = result.RootElement.Obj("Error");
            if (error.ValueKind == JsonValueKind.Object && error.Str("Message") is { Length: > 0 } message)
            {
                throw new CliException(message, ExitCodes.RunFailed);
            }

            return (int)result.RootElement.Long("StatusCode");
        }
    }

    private static async Task ForwardInterruptAsync(EngineClient engine, string id)
    {
        try
        {
            var (connection, _) = await engine.OpenStreamAsync("POST", $"/containers/{id}/kill?signal=SIGINT", default, upgrade: false, CancellationToken.None);
            await connection.DisposeAsync();
        }
        catch (Exception error) when (error is CliException or IOException)
        {
            // The container has already exited.
        }
    }

    private static async Task DisposeOpenedAsync(params Task<(UnixHttpConnection Connection, HttpResponse Response)>[] opening)
    {
        foreach (var task in opening.Where(t => t.IsCompletedSuccessfully))
        {
            await (await task).Connection.DisposeAsync();
        }
    }

    private static async Task<string> CreateAsync(CommandContext context, EngineClient engine, string image, string? name, byte[] body, CancellationToken cancellationToken)
    {
        var target = "/containers/create" + (name is null ? "" : $"?name={EngineClient.Escape(name)}");
        try
        {
            return await CreateOnceAsync(engine, target, body, cancellationToken);
        }
        catch (EngineException error) when (error.Status == 404 && error.Message.Contains("image", StringComparison.OrdinalIgnoreCase))
        {
            await context.Err.WriteLineAsync($"Unable to find image '{image}' locally");
        }
        catch (EngineException error)
        {
            throw new CliException(error.Message, ExitCodes.RunFailed);
        }

        try
        {
            await ImagePull.PullAsync(engine, image, context.Err, terminal: false, cancellationToken);
            return await CreateOnceAsync(engine, target, body, cancellationToken);
        }
        catch (CliException error)
        {
            throw new CliException(error.Message, ExitCodes.RunFailed);
        }
    }

    private static async Task<string> CreateOnceAsync(EngineClient engine, string target, byte[] body, CancellationToken cancellationToken)
    {
        using var created = await engine.PostJsonAsync(target, body, cancellationToken)
            ?? throw new CliException("the agent created no container (empty answer)", ExitCodes.RunFailed);
        return created.RootElement.Str("Id");
    }

    private static async Task StartAsync(EngineClient engine, string id, bool remove, CancellationToken cancellationToken)
    {
        try
        {
            await engine.SendAsync("POST", $"/containers/{id}/start", default, cancellationToken);
        }
        catch (EngineException error)
        {
            if (remove)
            {
                try
                {
                    await engine.DeleteAsync($"/containers/{id}?force=1", CancellationToken.None);
                }
                catch (EngineException)
                {
                    // Already gone; the start error is what matters.
                }
            }

            throw new CliException(error.Message, StartFailureCode(error.Message));
        }
    }

    /// <summary>Docker's convention: 127 when the command does not exist, 126 when it cannot be executed, else 125.</summary>
    public static int StartFailureCode(string message)
    {
        var lower = message.ToLowerInvariant();
        if (lower.Contains("permission denied", StringComparison.Ordinal) || lower.Contains("is a directory", StringComparison.Ordinal)
            || lower.Contains("exec format error", StringComparison.Ordinal))
        {
            return ExitCodes.CannotInvoke;
        }

        return lower.Contains("no such file", StringComparison.Ordinal) || lower.Contains("not found", StringComparison.Ordinal)
            ? ExitCodes.NotFound
            : ExitCodes.RunFailed;
    }

    private static async Task<(UnixHttpConnection, HttpResponse)> OpenAsync(
        EngineClient engine, string method, string target, bool upgrade, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.OpenStreamAsync(method, target, default, upgrade, cancellationToken);
        }
        catch (EngineException error)
        {
            throw new CliException(error.Message, ExitCodes.RunFailed);
        }
    }
}

using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla rmi IMAGE...</c>: untags, and deletes an image once no tag and no container holds it.</summary>
internal static class ImageRemove
{
    public static Command Command { get; } = new(
        new CommandSpec("rmi", "Remove images", "IMAGE...", 1, CommandSpec.Unbounded, CommonOptions.Local(
            OptionSpec.Flag("force", 'f', "Remove even when a container uses the image"))),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var engine = context.Engine(command);
        var failed = false;
        foreach (var name in command.Arguments)
        {
            try
            {
                using var result = await engine.DeleteAsync($"/images/{name}{(command.Flag("force") ? "?force=1" : "")}", cancellationToken);
                foreach (var item in result?.RootElement.Items() ?? [])
                {
                    if (item.Str("Untagged") is { Length: > 0 } untagged)
                    {
                        await context.Out.WriteLineAsync($"Untagged: {untagged}");
                    }

                    if (item.Str("Deleted") is { Length: > 0 } deleted)
                    {
                        await context.Out.WriteLineAsync($"Deleted: {deleted}");
                    }
                }
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

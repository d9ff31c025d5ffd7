using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla inspect NAME...</c>: the agent's full JSON for containers, images or volumes, as one array.</summary>
internal static class ContainerInspect
{
    public static Command Command { get; } = new(
        new CommandSpec("inspect", "Show the full details of containers, images or volumes (JSON)", "NAME...", 1, CommandSpec.Unbounded, CommonOptions.Local(
            OptionSpec.Value("type", null, "TYPE", "Only look for this kind of object: container, image or volume"),
            CommonOptions.Output)),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        _ = command.Json;
        var type = command.Value("type");
        if (type is not (null or "container" or "image" or "volume"))
        {
            throw new UsageException($"invalid --type \"{type}\": use container, image or volume", command.Spec.Name);
        }

        var engine = context.Engine(command);
        var found = new List<JsonDocument>();
        var failed = false;
        try
        {
            foreach (var name in command.Arguments)
            {
                var document = await FindAsync(engine, name, type, cancellationToken);
                if (document is null)
                {
                    failed = true;
                    await context.Err.WriteLineAsync($"Error: no such {type ?? "object"}: {name}");
                    continue;
                }

                found.Add(document);
            }

            JsonOutput.WriteArray(context.Out, found.Select(d => d.RootElement));
        }
        finally
        {
            found.ForEach(d => d.Dispose());
        }

        return failed ? ExitCodes.Error : ExitCodes.Ok;
    }

    private static async Task<JsonDocument?> FindAsync(EngineClient engine, string name, string? type, CancellationToken cancellationToken)
    {
        var escaped = EngineClient.Escape(name);
        string[] targets = type switch
        {
            "container" => [$"/containers/{escaped}/json"],
            "image" => [$"/images/{name}/json"],
            "volume" => [$"/volumes/{escaped}"],
            _ => [$"/containers/{escaped}/json", $"/images/{name}/json", $"/volumes/{escaped}"],
        };
        foreach (var target in targets)
        {
            try
            {
                return await engine.GetJsonAsync(target, cancellationToken);
            }
            catch (EngineException error) when (error.Status == 404)
            {
                // Try the next kind of object.
            }
        }

        return null;
    }
}

using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla volume create|ls|rm|inspect</c>: named volumes, which outlive the containers using them.</summary>
internal static class VolumeCommands
{
    public static Command Create { get; } = new(
        new CommandSpec("volume create", "Create a named volume", "[NAME]", 0, 1, CommonOptions.Local(
            OptionSpec.Many("label", 'l', "KEY=VALUE", "Set a label"))),
        CreateAsync);

    public static Command List { get; } = new(
        new CommandSpec("volume ls", "List volumes", "", 0, 0, CommonOptions.LocalWithOutput(
            OptionSpec.Flag("quiet", 'q', "Print only volume names"))),
        ListAsync);

    public static Command Remove { get; } = new(
        new CommandSpec("volume rm", "Remove volumes (refused while a container uses one)", "VOLUME...", 1, CommandSpec.Unbounded, CommonOptions.Local()),
        (context, command, token) => ContainerLifecycle.EachAsync(context, command, (engine, name) => engine.DeleteAsync($"/volumes/{name}", token)));

    public static Command Inspect { get; } = new(
        new CommandSpec("volume inspect", "Show volumes' details (JSON)", "VOLUME...", 1, CommandSpec.Unbounded, CommonOptions.Local(CommonOptions.Output)),
        InspectAsync);

    private static async Task<int> CreateAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var body = JsonOutput.Build(w =>
        {
            w.WriteStartObject();
            if (command.Arguments.Count > 0)
            {
                w.WriteString("Name", command.Arguments[0]);
            }

            w.WriteStartObject("Labels");
            foreach (var label in command.Values("label"))
            {
                var equals = label.IndexOf('=', StringComparison.Ordinal);
                if (equals == 0)
                {
                    throw new UsageException($"invalid label \"{label}\": use KEY=VALUE", command.Spec.Name);
                }

                w.WriteString(equals < 0 ? label : label[..equals], equals < 0 ? "" : label[(equals + 1)..]);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
        using var created = await context.Engine(command).PostJsonAsync("/volumes/create", body, cancellationToken);
        await context.Out.WriteLineAsync(created?.RootElement.Str("Name") ?? "");
        return ExitCodes.Ok;
    }

    private static async Task<int> ListAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var list = await context.Engine(command).GetJsonAsync("/volumes", cancellationToken);
        var volumes = list.RootElement.Items("Volumes").ToList();
        if (command.Flag("quiet"))
        {
            foreach (var volume in volumes)
            {
                await context.Out.WriteLineAsync(volume.Str("Name"));
            }
        }
        else if (json)
        {
            JsonOutput.WriteArray(context.Out, volumes);
        }
        else
        {
            var table = new Table("DRIVER", "VOLUME NAME");
            foreach (var volume in volumes)
            {
                table.Add(volume.Str("Driver"), volume.Str("Name"));
            }

            table.WriteTo(context.Out);
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> InspectAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        _ = command.Json;
        var engine = context.Engine(command);
        var found = new List<JsonDocument>();
        var failed = false;
        try
        {
            foreach (var name in command.Arguments)
            {
                try
                {
                    found.Add(await engine.GetJsonAsync($"/volumes/{EngineClient.Escape(name)}", cancellationToken));
                }
                catch (EngineException error)
                {
                    failed = true;
                    await context.Err.WriteLineAsync($"Error: {error.Message}");
                }
            }

            JsonOutput.WriteArray(context.Out, found.Select(d => d.RootElement));
        }
        finally
        {
            found.ForEach(d => d.Dispose());
        }

        return failed ? ExitCodes.Error : ExitCodes.Ok;
    }
}

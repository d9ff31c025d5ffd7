using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla pull IMAGE</c>: the agent pulls from the image's registry and streams per-layer progress.</summary>
internal static class ImagePull
{
    public static Command Command { get; } = new(
        new CommandSpec("pull", "Pull an image from a registry", "IMAGE", 1, 1, CommonOptions.Local(
            OptionSpec.Flag("quiet", 'q', "Print only the image reference when done")),
            Details: "Progress shows one live bar per layer when stdout is a terminal, and one line per layer status change otherwise."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var reference = command.Arguments[0];
        await PullAsync(context.Engine(command), reference, command.Flag("quiet") ? TextWriter.Null : context.Out, context.OutputIsTerminal, cancellationToken);
        if (command.Flag("quiet"))
        {
            await context.Out.WriteLineAsync(reference);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Docker's form: <c>fromImage=NAME&amp;tag=TAG</c>; a digest reference goes whole in fromImage.</summary>
    public static string Query(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return reference.Contains('@', StringComparison.Ordinal) || colon <= reference.LastIndexOf('/')
            ? $"fromImage={EngineClient.Escape(reference)}"
            : $"fromImage={EngineClient.Escape(reference[..colon])}&tag={EngineClient.Escape(reference[(colon + 1)..])}";
    }

    /// <summary>Pulls <paramref name="reference"/>, showing progress on <paramref name="output"/>; throws with the agent's reason on failure.</summary>
    public static async Task PullAsync(EngineClient engine, string reference, TextWriter output, bool terminal, CancellationToken cancellationToken)
    {
        if (reference.Length == 0 || reference.Any(char.IsWhiteSpace))
        {
            throw new UsageException($"invalid image reference \"{reference}\": use [REGISTRY/]NAME[:TAG|@DIGEST]");
        }

        var (connection, response) = await engine.OpenStreamAsync("POST", $"/images/create?{Query(reference)}", default, upgrade: false, cancellationToken);
        await using (connection)
        {
            var view = new PullProgressView(output, terminal);
            using var reader = new StreamReader(response.Body);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(line);
                if (view.Show(json.RootElement) is { } error)
                {
                    throw new CliException($"pulling {reference} failed: {error}");
                }
            }
        }
    }
}

using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla images</c>: one row per tag (untagged images as &lt;none&gt;).</summary>
internal static class ImageList
{
    public static Command Command { get; } = new(
        new CommandSpec("images", "List images", "", 0, 0, CommonOptions.LocalWithOutput(
            OptionSpec.Flag("quiet", 'q', "Print only image IDs"),
            OptionSpec.Flag("no-trunc", null, "Do not shorten image IDs"))),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var list = await context.Engine(command).GetJsonAsync("/images/json", cancellationToken);
        var images = list.RootElement.Items().ToList();
        var full = command.Flag("no-trunc");
        if (command.Flag("quiet"))
        {
            foreach (var id in images.Select(i => i.Str("Id")).Distinct())
            {
                await context.Out.WriteLineAsync(full ? id : Formats.ShortId(id));
            }

            return ExitCodes.Ok;
        }

        if (json)
        {
            JsonOutput.WriteArray(context.Out, images);
            return ExitCodes.Ok;
        }

        var now = DateTimeOffset.UtcNow;
        var table = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        foreach (var image in images)
        {
            var id = full ? image.Str("Id") : Formats.ShortId(image.Str("Id"));
            var created = Formats.Ago(DateTimeOffset.FromUnixTimeSeconds(image.Long("Created")), now);
            var size = Formats.Size(image.Long("Size"));
            var tags = image.Strings("RepoTags").Where(t => t != "<none>:<none>").ToList();
            if (tags.Count == 0)
            {
                table.Add("<none>", "<none>", id, created, size);
            }

            foreach (var tag in tags)
            {
                // The tag follows the last colon after the last slash (a registry host may carry a port).
                var colon = tag.LastIndexOf(':');
                var split = colon > tag.LastIndexOf('/');
                table.Add(split ? tag[..colon] : tag, split ? tag[(colon + 1)..] : "<none>", id, created, size);
            }
        }

        table.WriteTo(context.Out);
        return ExitCodes.Ok;
    }
}

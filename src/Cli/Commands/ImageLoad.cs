using System.Formats.Tar;
using System.Text.Json;
using Flotilla.Cli.Engine;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla load -i FILE|DIR</c>: sends a <c>docker save</c> archive or an OCI image layout to the agent.</summary>
internal static class ImageLoad
{
    public static Command Command { get; } = new(
        new CommandSpec("load", "Load images from a tar archive or an OCI layout directory", "", 0, 0, CommonOptions.LocalWithOutput(
            OptionSpec.Value("input", 'i', "FILE|DIR", "A tar ('docker save' format or an OCI layout; plain, gzip or zstd) or an OCI layout directory (default: standard input)"),
            OptionSpec.Flag("quiet", 'q', "Print only the names (or IDs) of the loaded images")),
            Details: "The agent checks the whole archive before it stores anything: a damaged or hostile archive is refused and leaves no trace."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        var input = command.Value("input");
        Func<Stream, CancellationToken, Task> writeBody = input switch
        {
            null when !Console.IsInputRedirected => throw new UsageException("load needs images: -i FILE|DIR, or a tar on standard input"),
            null => (body, token) => CopyStandardInputAsync(body, token),
            _ when Directory.Exists(input) => File.Exists(Path.Combine(input, "oci-layout"))
                ? (body, token) => TarFile.CreateFromDirectoryAsync(input, body, includeBaseDirectory: false, token)
                : throw new CliException($"{input} is a directory but not an OCI image layout (it has no oci-layout file)"),
            _ when File.Exists(input) => (body, token) => CopyFileAsync(input, body, token),
            _ => throw new CliException($"cannot read {input}: no such file or directory"),
        };

        var engine = context.Engine(command);
        var loaded = new List<(string? Reference, string? Id)>();
        var (connection, response) = await engine.UploadAsync("/images/load?quiet=1", "application/x-tar", writeBody, cancellationToken);
        await using (connection)
        {
            using var reader = new StreamReader(response.Body);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                using var message = JsonDocument.Parse(line);
                if (message.RootElement.Str("error") is { Length: > 0 } error)
                {
                    throw new CliException($"loading failed: {error}");
                }

                var text = message.RootElement.Str("stream").TrimEnd('\n');
                if (text.StartsWith("Loaded image: ", StringComparison.Ordinal))
                {
                    loaded.Add((text["Loaded image: ".Length..], null));
                }
                else if (text.StartsWith("Loaded image ID: ", StringComparison.Ordinal))
                {
                    loaded.Add((null, text["Loaded image ID: ".Length..]));
                }
            }
        }

        if (json)
        {
            await WriteJsonAsync(context, engine, loaded, cancellationToken);
        }
        else
        {
            foreach (var (reference, id) in loaded)
            {
                await context.Out.WriteLineAsync(command.Flag("quiet") ? reference ?? id : reference is null ? $"Loaded image ID: {id}" : $"Loaded image: {reference}");
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary><c>[{"Reference": "busybox:1.0", "Id": "sha256:..."}]</c>; Reference is null for an untagged image.</summary>
    private static async Task WriteJsonAsync(CommandContext context, EngineClient engine, List<(string? Reference, string? Id)> loaded, CancellationToken cancellationToken)
    {
        var rows = new List<(string? Reference, string Id)>();
        foreach (var (reference, id) in loaded)
        {
            if (id is not null)
            {
                rows.Add((null, id));
                continue;
            }

            using var image = await engine.GetJsonAsync($"/images/{reference}/json", cancellationToken);
            rows.Add((reference, image.RootElement.Str("Id")));
        }

        JsonOutput.Write(context.Out, writer =>
        {
            writer.WriteStartArray();
            foreach (var (reference, id) in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("Reference", reference);
                writer.WriteString("Id", id);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        });
    }

    private static async Task CopyFileAsync(string path, Stream body, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await file.CopyToAsync(body, 1 << 17, cancellationToken);
    }

    private static async Task CopyStandardInputAsync(Stream body, CancellationToken cancellationToken)
    {
        await using var input = Console.OpenStandardInput();
        await input.CopyToAsync(body, 1 << 17, cancellationToken);
    }
}

using Flotilla.Cli.Engine;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla save -o FILE IMAGE...</c>: the agent's images as one tar that <c>docker load</c> and <c>flotilla load</c> read.</summary>
internal static class ImageSave
{
    public static Command Command { get; } = new(
        new CommandSpec("save", "Save images to a tar archive", "IMAGE...", 1, CommandSpec.Unbounded, CommonOptions.Local(
            OptionSpec.Value("output", 'o', "FILE", "Write to this file (default: standard output, when it is not a terminal)")),
            Details: "The archive is in the 'docker save' format and is also an OCI image layout, with uncompressed layers. "
                + "A file is written whole or not at all: a failed save leaves no partial archive behind."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var output = command.Value("output");
        if (output is null && context.OutputIsTerminal)
        {
            throw new UsageException("refusing to write an archive to a terminal: use -o FILE or redirect standard output");
        }

        var target = "/images/get?" + string.Join('&', command.Arguments.Select(name => $"names={EngineClient.Escape(name)}"));
        var (connection, response) = await context.Engine(command).OpenStreamAsync("GET", target, default, upgrade: false, cancellationToken);
        await using (connection)
        {
            if (output is null)
            {
                await response.Body.CopyToAsync(context.StandardOutput, 1 << 17, cancellationToken);
                await context.StandardOutput.FlushAsync(cancellationToken);
                return ExitCodes.Ok;
            }

            var partial = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, $".{Path.GetFileName(output)}.{Environment.ProcessId}.partial");
            try
            {
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    await response.Body.CopyToAsync(file, 1 << 17, cancellationToken);
                }

                File.Move(partial, output, overwrite: true);
            }
            catch (Exception error) when (error is UnauthorizedAccessException or DirectoryNotFoundException)
            {
                throw new CliException($"cannot write {output}: {error.Message}");
            }
            finally
            {
                File.Delete(partial);
            }
        }

        return ExitCodes.Ok;
    }
}

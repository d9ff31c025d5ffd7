using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla version</c>: this CLI's version and the agent's.</summary>
internal static class SystemVersion
{
    public static Command Command { get; } = new(
        new CommandSpec("version", "Show the CLI's and the agent's versions", "", 0, 0, CommonOptions.LocalWithOutput()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var version = await context.Engine(command).GetJsonAsync("/version", cancellationToken);
        var server = version.RootElement;
        if (json)
        {
            JsonOutput.Write(context.Out, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("Client");
                w.WriteString("Version", CliApp.Version);
                w.WriteEndObject();
                w.WritePropertyName("Server");
                server.WriteTo(w);
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        }

        await context.Out.WriteLineAsync($"Client: flotilla {CliApp.Version}");
        await context.Out.WriteLineAsync($"Server: {server.Obj("Platform").Str("Name")} {server.Str("Version")} (API {server.Str("ApiVersion")}, {server.Str("Os")}/{server.Str("Arch")})");
        return ExitCodes.Ok;
    }
}

using System.Text;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla ps</c>: containers, running ones unless <c>-a</c>.</summary>
internal static class ContainerList
{
    public static Command Command { get; } = new(
        new CommandSpec("ps", "List containers", "", 0, 0, CommonOptions.LocalWithOutput(
            OptionSpec.Flag("all", 'a', "Show all containers (default: running only)"),
            OptionSpec.Flag("quiet", 'q', "Print only container IDs"),
            OptionSpec.Flag("no-trunc", null, "Do not shorten IDs and commands"))),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var list = await context.Engine(command).GetJsonAsync(command.Flag("all") ? "/containers/json?all=1" : "/containers/json", cancellationToken);
        var containers = list.RootElement.Items().ToList();
        var full = command.Flag("no-trunc");
        if (command.Flag("quiet"))
        {
            foreach (var container in containers)
            {
                await context.Out.WriteLineAsync(full ? container.Str("Id") : Formats.ShortId(container.Str("Id")));
            }

            return ExitCodes.Ok;
        }

        if (json)
        {
            JsonOutput.WriteArray(context.Out, containers);
            return ExitCodes.Ok;
        }

        var now = DateTimeOffset.UtcNow;
        var table = new Table("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
        foreach (var c in containers)
        {
            var commandText = c.Str("Command");
            table.Add(
                full ? c.Str("Id") : Formats.ShortId(c.Str("Id")),
                c.Str("Image"),
                "\"" + (full ? commandText : Formats.Truncate(commandText, 20)) + "\"",
                Formats.Ago(DateTimeOffset.FromUnixTimeSeconds(c.Long("Created")), now),
                c.Str("Status"),
                Ports(c),
                string.Join(',', c.Strings("Names").Select(n => n.TrimStart('/'))));
        }

        table.WriteTo(context.Out);
        return ExitCodes.Ok;
    }

    /// <summary>Docker's PORTS column: <c>0.0.0.0:8080->80/tcp, 53/udp</c>.</summary>
    public static string Ports(JsonElement container)
    {
        var text = new StringBuilder();
        foreach (var port in container.Items("Ports"))
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            var hostPort = port.Long("PublicPort");
            if (hostPort > 0)
            {
                var ip = port.Str("IP");
                text.Append(ip.Length > 0 ? ip : "0.0.0.0").Append(':').Append(hostPort).Append("->");
            }

            text.Append(port.Long("PrivatePort")).Append('/').Append(port.Str("Type") is { Length: > 0 } type ? type : "tcp");
        }

        return text.ToString();
    }
}

using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla events</c>: the control plane's recent events, oldest first.</summary>
internal static class EventList
{
    public static Command Command { get; } = new(
        new CommandSpec("events", "Show recent cluster events", "", 0, 0, CommonOptions.Cluster(
            OptionSpec.Value("limit", 'n', "N", "How many events (default 100)"),
            OptionSpec.Value("workload", null, "NAME", "Only this workload's events"))),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        var limit = command.Int("limit", min: 1) ?? 100;
        using var result = await context.ControlPlane(command).GetAsync($"/v1/events?limit={limit.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
        var events = result.Root.Items()
            .Where(e => command.Value("workload") is not { } workload || e.Str("workload") == workload)
            .OrderBy(e => e.Long("sequence"))
            .ToList();
        if (json)
        {
            JsonOutput.WriteArray(context.Out, events);
        }
        else
        {
            WriteTable(context.Out, events);
        }

        return ExitCodes.Ok;
    }

    public static void WriteTable(TextWriter output, IEnumerable<JsonElement> events)
    {
        var table = new Table("TIME", "KIND", "WORKLOAD", "NODE", "MESSAGE");
        foreach (var e in events)
        {
            table.Add(
                e.Time("at") is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "",
                e.Str("kind"),
                e.Str("workload"),
                e.Str("nodeId"),
                e.Str("message"));
        }

        table.WriteTo(output);
    }
}

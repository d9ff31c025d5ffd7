using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla nodes</c>: registered nodes with their state and how much of them is allocated.</summary>
internal static class NodeList
{
    public static Command Command { get; } = new(
        new CommandSpec("nodes", "List the cluster's nodes", "", 0, 0, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var result = await context.ControlPlane(command).GetAsync("/v1/nodes", cancellationToken);
        var nodes = result.Root.Items().ToList();
        if (json)
        {
            JsonOutput.WriteArray(context.Out, nodes);
            return ExitCodes.Ok;
        }

        var now = DateTimeOffset.UtcNow;
        var table = new Table("ID", "ADDRESS", "STATE", "CPU", "MEMORY", "ALLOCATIONS", "HEARTBEAT", "LABELS");
        foreach (var node in nodes)
        {
            table.Add(
                node.Str("id"),
                node.Str("address"),
                node.Str("state"),
                Cpu(node),
                Memory(node),
                node.Long("allocations").ToString(CultureInfo.InvariantCulture),
                node.Time("lastHeartbeat") is { } beat ? Formats.Ago(beat, now) : "never",
                string.Join(',', node.Pairs("labels").Select(l => $"{l.Key}={l.Value}")));
        }

        table.WriteTo(context.Out);
        return ExitCodes.Ok;
    }

    /// <summary>Allocated / capacity in CPUs: <c>1.5/4</c>.</summary>
    public static string Cpu(JsonElement node) =>
        $"{Formats.Number(node.Obj("allocated").Long("milliCpu") / 1000.0)}/{Formats.Number(node.Obj("capacity").Long("milliCpu") / 1000.0)}";

    public static string Memory(JsonElement node) =>
        $"{Formats.Memory(node.Obj("allocated").Long("memoryBytes"))}/{Formats.Memory(node.Obj("capacity").Long("memoryBytes"))}";
}

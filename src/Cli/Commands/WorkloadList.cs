using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla workloads</c>: every workload with its replica counts.</summary>
internal static class WorkloadList
{
    public static Command Command { get; } = new(
        new CommandSpec("workloads", "List workloads", "", 0, 0, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var result = await context.ControlPlane(command).GetAsync("/v1/workloads", cancellationToken);
        var workloads = result.Root.Items().ToList();
        if (json)
        {
            JsonOutput.WriteArray(context.Out, workloads);
            return ExitCodes.Ok;
        }

        var now = DateTimeOffset.UtcNow;
        var table = new Table("NAME", "IMAGE", "READY", "PENDING", "STATUS", "REVISION", "UPDATED");
        foreach (var w in workloads)
        {
            table.Add(
                w.Str("name"),
                w.Obj("spec").Str("image"),
                $"{w.Long("runningReplicas")}/{w.Long("desiredReplicas")}",
                w.Long("pendingReplicas").ToString(System.Globalization.CultureInfo.InvariantCulture),
                w.Str("status"),
                w.Long("revision").ToString(System.Globalization.CultureInfo.InvariantCulture),
                w.Time("updatedAt") is { } updated ? Formats.Ago(updated, now) : "");
        }

        table.WriteTo(context.Out);
        return ExitCodes.Ok;
    }
}

using System.Globalization;
using Flotilla.Cli.ControlPlane;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla scale NAME N</c>.</summary>
internal static class WorkloadScale
{
    public static Command Command { get; } = new(
        new CommandSpec("scale", "Set a workload's number of replicas", "NAME REPLICAS", 2, 2, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        var name = command.Arguments[0];
        if (!int.TryParse(command.Arguments[1], NumberStyles.None, CultureInfo.InvariantCulture, out var replicas))
        {
            throw new UsageException($"invalid replica count \"{command.Arguments[1]}\": use a whole number, 0 or more", command.Spec.Name);
        }

        var body = JsonOutput.Build(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("replicas", replicas);
            w.WriteEndObject();
        });
        using var result = await context.ControlPlane(command).SendAsync(
            HttpMethod.Post, $"/v1/workloads/{Uri.EscapeDataString(name)}/scale", ControlPlaneClient.JsonContent(body), cancellationToken);
        if (json)
        {
            JsonOutput.Write(context.Out, result.Root);
        }
        else
        {
            await context.Out.WriteLineAsync($"workload {name} scaled to {replicas} replica{(replicas == 1 ? "" : "s")}");
        }

        return ExitCodes.Ok;
    }
}

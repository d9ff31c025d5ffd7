using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla delete NAME</c>: the workload and all its replicas.</summary>
internal static class WorkloadDelete
{
    public static Command Command { get; } = new(
        new CommandSpec("delete", "Delete a workload and stop its replicas", "NAME", 1, 1, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        _ = command.Json;
        var name = command.Arguments[0];
        using var result = await context.ControlPlane(command).SendAsync(HttpMethod.Delete, $"/v1/workloads/{Uri.EscapeDataString(name)}", null, cancellationToken);
        await context.Out.WriteLineAsync($"workload {name} deleted");
        return ExitCodes.Ok;
    }
}

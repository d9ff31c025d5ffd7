using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla node ID</c>.</summary>
internal static class NodeShow
{
    public static Command Command { get; } = new(
        new CommandSpec("node", "Show a node: capacity, allocations, heartbeat, versions", "ID", 1, 1, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var result = await context.ControlPlane(command).GetAsync($"/v1/nodes/{Uri.EscapeDataString(command.Arguments[0])}", cancellationToken);
        var node = result.Root;
        if (json)
        {
            JsonOutput.Write(context.Out, node);
            return ExitCodes.Ok;
        }

        var output = context.Out;
        var now = DateTimeOffset.UtcNow;
        await output.WriteLineAsync($"ID:             {node.Str("id")}");
        await output.WriteLineAsync($"Address:        {node.Str("address")}");
        await output.WriteLineAsync($"State:          {node.Str("state")}");
        await output.WriteLineAsync($"Labels:         {string.Join(", ", node.Pairs("labels").Select(l => $"{l.Key}={l.Value}"))}");
        await output.WriteLineAsync($"CPU:            {NodeList.Cpu(node)} allocated");
        await output.WriteLineAsync($"Memory:         {NodeList.Memory(node)} allocated");
        await output.WriteLineAsync($"Pids:           {node.Obj("allocated").Long("pids")}/{node.Obj("capacity").Long("pids")} allocated");
        await output.WriteLineAsync($"Allocations:    {node.Long("allocations")}");
        await output.WriteLineAsync($"Agent version:  {node.Str("agentVersion")}");
        await output.WriteLineAsync($"Last heartbeat: {(node.Time("lastHeartbeat") is { } beat ? Formats.Ago(beat, now) : "never")}");
        await output.WriteLineAsync($"Allocation set: version {node.Long("desiredVersion")} desired, {node.Long("appliedVersion")} applied");
        return ExitCodes.Ok;
    }
}

using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;

namespace Flotilla.Cli.Commands;

/// <summary><c>flotilla workload NAME</c>: the workload, each replica (node, state, host ports, why it is pending), and recent events.</summary>
internal static class WorkloadShow
{
    public static Command Command { get; } = new(
        new CommandSpec("workload", "Show a workload: replicas, where they run, host ports, pending reasons", "NAME", 1, 1, CommonOptions.Cluster()),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        using var result = await context.ControlPlane(command).GetAsync($"/v1/workloads/{Uri.EscapeDataString(command.Arguments[0])}", cancellationToken);
        var w = result.Root;
        if (json)
        {
            JsonOutput.Write(context.Out, w);
            return ExitCodes.Ok;
        }

        var output = context.Out;
        var spec = w.Obj("spec");
        await output.WriteLineAsync($"Name:       {w.Str("name")}");
        await output.WriteLineAsync($"Image:      {spec.Str("image")}");
        await output.WriteLineAsync($"Status:     {w.Str("status")}");
        await output.WriteLineAsync($"Replicas:   {w.Long("runningReplicas")} running, {w.Long("pendingReplicas")} pending, {w.Long("desiredReplicas")} desired");
        await output.WriteLineAsync($"Revision:   {w.Long("revision")} (version {w.Long("version")})");
        await output.WriteLineAsync();
        var table = new Table("REPLICA", "NODE", "STATE", "HEALTH", "ADDRESS", "HOST PORTS", "REASON");
        foreach (var replica in w.Items("replicas"))
        {
            table.Add(
                replica.Str("id"),
                replica.Str("nodeId") is { Length: > 0 } node ? node : "-",
                replica.Str("state"),
                replica.Str("health"),
                replica.Str("address") is { Length: > 0 } address ? address : "-",
                HostPorts(replica),
                replica.Str("reason"));
        }

        table.WriteTo(output);
        var events = w.Items("events").ToList();
        if (events.Count > 0)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("Recent events:");
            EventList.WriteTable(output, events.TakeLast(10));
        }

        return ExitCodes.Ok;
    }

    /// <summary><c>http=20001, metrics=20002</c>.</summary>
    public static string HostPorts(JsonElement replica)
    {
        var ports = replica.Obj("hostPorts");
        return ports.ValueKind == JsonValueKind.Object
            ? string.Join(", ", ports.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetRawText()}"))
            : "";
    }
}

using System.Text;
using Flotilla.Cli.ControlPlane;
using Flotilla.Cli.Output;
using Flotilla.Cli.Parsing;
using Flotilla.Contracts.Specs;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla deploy -f spec.yaml</c>: checks the spec here (the same parser and rules as the control plane),
/// then creates the workload, or updates it when it exists.
/// </summary>
internal static class WorkloadDeploy
{
    public static Command Command { get; } = new(
        new CommandSpec("deploy", "Create or update a workload from a spec file (YAML or JSON)", "", 0, 0, CommonOptions.Cluster(
            OptionSpec.Value("file", 'f', "PATH", "The workload spec; - reads standard input")),
            Details: "The spec is checked before it is sent; a bad field is named with the rule it breaks."),
        RunAsync);

    private static async Task<int> RunAsync(CommandContext context, ParsedCommand command, CancellationToken cancellationToken)
    {
        var json = command.Json;
        var path = command.Value("file") ?? throw new UsageException("deploy needs a spec: -f spec.yaml", command.Spec.Name);
        string text;
        try
        {
            text = path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {(error is FileNotFoundException or DirectoryNotFoundException ? "no such file" : error.Message)}");
        }

        var parsed = WorkloadSpecParser.Parse(text);
        if (!parsed.IsValid)
        {
            var message = new StringBuilder($"{path} is not a valid workload spec:");
            foreach (var error in parsed.Errors)
            {
                message.Append("\n  ").Append(error.Field).Append(": ").Append(error.Message);
            }

            throw new CliException(message.ToString());
        }

        var name = parsed.Spec!.Name!;
        var mediaType = text.AsSpan().TrimStart().StartsWith("{") ? "application/json" : "application/yaml";
        var client = context.ControlPlane(command);
        ApiResult result;
        string action;
        try
        {
            result = await client.SendAsync(HttpMethod.Post, "/v1/workloads", ControlPlaneClient.TextContent(text, mediaType), cancellationToken);
            action = "created";
        }
        catch (ControlPlaneException error) when (error.Status == 409)
        {
            result = await client.SendAsync(HttpMethod.Put, $"/v1/workloads/{Uri.EscapeDataString(name)}", ControlPlaneClient.TextContent(text, mediaType), cancellationToken);
            action = "updated";
        }

        using (result)
        {
            if (json)
            {
                JsonOutput.Write(context.Out, result.Root);
                return ExitCodes.Ok;
            }

            var revision = result.Root.Long("revision");
            await context.Out.WriteLineAsync($"workload {name} {action} (revision {revision}, {result.Root.Long("desiredReplicas")} replicas desired)");
        }

        return ExitCodes.Ok;
    }
}

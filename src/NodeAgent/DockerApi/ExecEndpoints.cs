using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// <c>POST /containers/{id}/exec</c>, <c>GET /exec/{id}/json</c> and the non-hijacked <c>POST /exec/{id}/start</c>
/// (detached, or a plain response stream); hijacked starts go through <see cref="HijackConnectionMiddleware"/>.
/// </summary>
internal static class ExecEndpoints
{
    public static void MapExecEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/containers/{id}/exec", async (string id, HttpRequest request, ExecSessions sessions, CancellationToken cancellationToken) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            var root = body.RootElement;
            if (root.TryGetProperty("Tty", out var tty) && tty.ValueKind == JsonValueKind.True)
            {
                throw new InvalidRunOptionsException("a TTY is not supported by this agent: exec without -t");
            }

            var session = sessions.Create(
                id,
                Strings(root, "Cmd"),
                Strings(root, "Env"),
                String(root, "User"),
                String(root, "WorkingDir"),
                Bool(root, "AttachStdin"),
                Bool(root, "AttachStdout"),
                Bool(root, "AttachStderr"));
            return ContainerEndpoints.Json(new JsonObject { ["Id"] = session.Id }, StatusCodes.Status201Created);
        });

        app.MapGet("/exec/{id}/json", (string id, ExecSessions sessions) =>
        {
            var session = sessions.Get(id);
            return ContainerEndpoints.Json(new JsonObject
            {
                ["ID"] = session.Id,
                ["ContainerID"] = session.ContainerId,
                ["Running"] = session.Running,
                ["ExitCode"] = session.ExitCode,
                ["Pid"] = session.Pid,
                ["OpenStdin"] = session.AttachStdin,
                ["OpenStdout"] = session.AttachStdout,
                ["OpenStderr"] = session.AttachStderr,
                ["CanRemove"] = false,
                ["DetachKeys"] = "",
                ["ProcessConfig"] = new JsonObject
                {
                    ["tty"] = false,
                    ["entrypoint"] = session.Args[0],
                    ["arguments"] = new JsonArray([.. session.Args.Skip(1).Select(a => (JsonNode)a)]),
                    ["privileged"] = false,
                    ["user"] = session.User ?? "",
                },
            });
        });

        app.MapPost("/exec/{id}/start", async (string id, HttpContext context, ExecSessions sessions) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            sessions.Get(id);
            if (Bool(body.RootElement, "Detach"))
            {
                _ = Task.Run(() => sessions.RunAsync(id, null, (_, _, _) => ValueTask.CompletedTask, CancellationToken.None));
                return;
            }

            context.Response.ContentType = MultiplexedStream.ContentType;
            await context.Response.StartAsync(context.RequestAborted);
            var output = context.Response.Body;
            await sessions.RunAsync(id, null, (stream, bytes, token) => MultiplexedStream.WriteFrameAsync(output, stream, bytes, token), context.RequestAborted);
        });
    }

    private static List<string> Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Select(v => v.GetString() ?? "")]
            : [];

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}

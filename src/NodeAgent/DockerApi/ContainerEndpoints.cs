using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Networking;
using Flotilla.NodeAgent.Volumes;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary><c>/containers/...</c> of the Docker Engine API.</summary>
internal static class ContainerEndpoints
{
    public static void MapContainerEndpoints(this IEndpointRouteBuilder app)
    {
        var containers = app.MapGroup("/containers");
        containers.MapGet("/json", (HttpRequest request, ContainerEngine engine, VolumeStore volumes, TimeProvider time) =>
        {
            var networking = request.HttpContext.RequestServices.GetService<IContainerNetworking>();
            var all = Query.Bool(request, "all");
            var filters = ContainerFilters.Parse(request.Query["filters"].ToString());
            var now = time.GetUtcNow();
            var list = engine.List()
                .Where(r => all || r.State is ContainerState.Running or ContainerState.Restarting)
                .Where(filters.Matches)
                .Select(r => (JsonNode)ContainerJson.Summary(r, volumes, now, ContainerNetworkJson.Of(r, networking)));
            return Json(new JsonArray([.. list]));
        });

        containers.MapPost("/create", async (HttpRequest request, ContainerEngine engine, IImageStore images, CancellationToken cancellationToken) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            var root = body.RootElement;
            var spec = CreateContainerRequest.Parse(root, request.Query["name"].ToString(), () =>
                root.TryGetProperty("Image", out var image) && image.GetString() is { } reference ? images.Find(reference)?.Config.ExposedPorts ?? [] : []);
            var record = await engine.CreateAsync(spec, cancellationToken);
            return Json(new JsonObject { ["Id"] = record.Id, ["Warnings"] = new JsonArray() }, StatusCodes.Status201Created);
        });

        containers.MapGet("/{id}/json", (string id, HttpContext context, ContainerEngine engine, VolumeStore volumes) =>
        {
            var record = engine.Get(id);
            var network = ContainerNetworkJson.Of(record, context.RequestServices.GetService<IContainerNetworking>());
            return Json(ContainerJson.Inspect(record, engine.PathsOf(record.Id), volumes, network));
        });

        containers.MapPost("/{id}/start", async (string id, ContainerEngine engine, CancellationToken cancellationToken) =>
        {
            if (engine.Get(id).State == ContainerState.Running)
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            await engine.StartAsync(id, cancellationToken);
            return Results.NoContent();
        });

        containers.MapPost("/{id}/stop", async (string id, HttpRequest request, ContainerEngine engine, CancellationToken cancellationToken) =>
        {
            var stopped = await engine.StopAsync(id, Timeout(request), cancellationToken);
            return stopped ? Results.NoContent() : Results.StatusCode(StatusCodes.Status304NotModified);
        });

        containers.MapPost("/{id}/restart", async (string id, HttpRequest request, ContainerEngine engine, CancellationToken cancellationToken) =>
        {
            await engine.RestartAsync(id, Timeout(request), cancellationToken);
            return Results.NoContent();
        });

        containers.MapPost("/{id}/kill", async (string id, HttpRequest request, ContainerEngine engine, CancellationToken cancellationToken) =>
        {
            await engine.KillAsync(id, request.Query["signal"].ToString(), cancellationToken);
            return Results.NoContent();
        });

        containers.MapPost("/{id}/wait", async (string id, HttpContext context, ContainerEngine engine) =>
        {
            engine.Get(id);

            // Clients wait for the headers before starting the container: send them now, the body at exit.
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            var exitCode = await engine.WaitAsync(id, context.Request.Query["condition"].ToString(), context.RequestAborted);
            await context.Response.WriteAsync(new JsonObject { ["StatusCode"] = exitCode, ["Error"] = null }.ToJsonString(), context.RequestAborted);
        });

        containers.MapDelete("/{id}", async (string id, HttpRequest request, ContainerEngine engine, CancellationToken cancellationToken) =>
        {
            await engine.RemoveAsync(id, Query.Bool(request, "force"), cancellationToken);
            return Results.NoContent();
        });

        containers.MapGet("/{id}/logs", async (string id, HttpContext context, ContainerEngine engine) =>
        {
            var record = engine.Get(id);
            var request = context.Request;
            var options = new LogReadOptions
            {
                Stdout = Query.Bool(request, "stdout"),
                Stderr = Query.Bool(request, "stderr"),
                Follow = Query.Bool(request, "follow"),
                Tail = request.Query["tail"].ToString() is { Length: > 0 } tail && tail != "all" ? Query.Int(request, "tail") : null,
                Since = Query.Time(request, "since"),
                Until = Query.Time(request, "until"),
            };
            if (!options.Stdout && !options.Stderr)
            {
                throw new ArgumentException("you must choose at least one stream: stdout=1 or stderr=1");
            }

            var timestamps = Query.Bool(request, "timestamps");
            context.Response.ContentType = MultiplexedStream.ContentType;
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            var body = context.Response.Body;
            try
            {
                await engine.Logs.ReadAsync(record.Id, options, engine.ExitedTask(record.Id), (entry, token) =>
                    MultiplexedStream.WriteFrameAsync(body, entry.Stream, Encode(entry, timestamps), token), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client stopped following.
            }
        });

        containers.MapGet("/{id}/stats", ContainerStatsEndpoint.HandleAsync);
    }

    public static byte[] Encode(LogEntry entry, bool timestamps) => Encoding.UTF8.GetBytes(
        timestamps ? $"{ContainerJson.Time(entry.Time)} {entry.Text}" : entry.Text);

    private static TimeSpan? Timeout(HttpRequest request) =>
        Query.Int(request, "t") is { } seconds && seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;

    public static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(), "application/json", Encoding.UTF8, status);
}

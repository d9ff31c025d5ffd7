using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Images;
using Flotilla.NodeAgent.Metrics;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary><c>/images/...</c>: list, pull (streaming JSON progress), inspect, remove; load and save in <see cref="ImageArchiveEndpoints"/>.</summary>
internal static class ImageEndpoints
{
    public static void MapImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/json", (IImageStore images) =>
            ContainerEndpoints.Json(new JsonArray([.. images.List().Select(i => (JsonNode)Summary(i))])));

        app.MapPost("/images/create", PullAsync);
        app.MapPost("/images/load", ImageArchiveEndpoints.LoadAsync);
        app.MapGet("/images/get", (HttpContext context, IImageStore images) =>
            ImageArchiveEndpoints.SaveAsync(context, images, [.. context.Request.Query["names"].OfType<string>()]));

        // Image names contain slashes (localhost:5000/team/app:1.0), so these routes take the rest of the path.
        app.MapGet("/images/{**rest}", async (string rest, HttpContext context, IImageStore images) =>
        {
            if (rest.EndsWith("/get", StringComparison.Ordinal))
            {
                await ImageArchiveEndpoints.SaveAsync(context, images, [rest[..^"/get".Length]]);
                return Results.Empty;
            }

            if (!rest.EndsWith("/json", StringComparison.Ordinal))
            {
                return Results.NotFound();
            }

            var reference = rest[..^"/json".Length];
            var image = images.Find(reference) ?? throw new ImageNotFoundException(reference);
            return ContainerEndpoints.Json(Inspect(image));
        });

        app.MapDelete("/images/{**name}", async (string name, HttpRequest request, IImageStore images, CancellationToken cancellationToken) =>
        {
            var image = images.Find(name) ?? throw new ImageNotFoundException(name);
            await images.RemoveAsync(name, Query.Bool(request, "force"), cancellationToken);
            var result = new JsonArray();
            if (image.RepoTags.Contains(name) || image.RepoTags.Any(t => t.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                result.Add((JsonNode)new JsonObject { ["Untagged"] = name });
            }

            if (images.Find(image.Id) is null)
            {
                result.Add((JsonNode)new JsonObject { ["Deleted"] = image.Id });
            }

            return ContainerEndpoints.Json(result);
        });
    }

    private static async Task PullAsync(HttpContext context, IImageStore images, AgentMetrics metrics)
    {
        var from = context.Request.Query["fromImage"].ToString();
        var tag = context.Request.Query["tag"].ToString();
        if (from.Length == 0)
        {
            throw new ArgumentException("fromImage is required; importing images is not supported");
        }

        var reference = tag.Length == 0 || from.Contains('@', StringComparison.Ordinal) ? from
            : tag.StartsWith("sha256:", StringComparison.Ordinal) ? $"{from}@{tag}" : $"{from}:{tag}";
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        var lines = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new Progress(lines.Writer);
        var timer = Stopwatch.StartNew();
        var pull = Task.Run(async () =>
        {
            try
            {
                lines.Writer.TryWrite(new JsonObject { ["status"] = $"Pulling from {from}", ["id"] = tag.Length == 0 ? "latest" : tag });
                var image = await images.PullAsync(reference, progress, context.RequestAborted);
                lines.Writer.TryWrite(new JsonObject { ["status"] = $"Digest: {image.RepoDigests.FirstOrDefault() ?? image.Id}" });
                lines.Writer.TryWrite(new JsonObject { ["status"] = $"Status: Downloaded newer image for {reference}" });
                metrics.ObservePull(timer.Elapsed, progress.Bytes, succeeded: true);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                metrics.ObservePull(timer.Elapsed, progress.Bytes, succeeded: false);
                lines.Writer.TryWrite(new JsonObject { ["errorDetail"] = new JsonObject { ["message"] = error.Message }, ["error"] = error.Message });
            }
            finally
            {
                lines.Writer.TryComplete();
            }
        });

        await foreach (var line in lines.Reader.ReadAllAsync(context.RequestAborted))
        {
            await context.Response.WriteAsync(line.ToJsonString() + "\r\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        await pull;
    }

    private static JsonObject Summary(ImageRecord image) => new()
    {
        ["Id"] = image.Id,
        ["ParentId"] = "",
        ["RepoTags"] = Strings(image.RepoTags),
        ["RepoDigests"] = Strings(image.RepoDigests),
        ["Created"] = image.Created.ToUnixTimeSeconds(),
        ["Size"] = image.Size,
        ["SharedSize"] = -1,
        ["VirtualSize"] = image.Size,
        ["Labels"] = Labels(image.Config.Labels),
        ["Containers"] = -1,
    };

    private static JsonObject Inspect(ImageRecord image) => new()
    {
        ["Id"] = image.Id,
        ["RepoTags"] = Strings(image.RepoTags),
        ["RepoDigests"] = Strings(image.RepoDigests),
        ["Parent"] = "",
        ["Comment"] = "",
        ["Created"] = ContainerJson.Time(image.Created),
        ["Os"] = image.Os,
        ["Architecture"] = image.Architecture,
        ["Size"] = image.Size,
        ["VirtualSize"] = image.Size,
        ["Config"] = new JsonObject
        {
            ["Cmd"] = Strings(image.Config.Cmd),
            ["Entrypoint"] = image.Config.Entrypoint.Count == 0 ? null : Strings(image.Config.Entrypoint),
            ["Env"] = Strings(image.Config.Env),
            ["WorkingDir"] = image.Config.WorkingDir,
            ["User"] = image.Config.User,
            ["Labels"] = Labels(image.Config.Labels),
            ["ExposedPorts"] = new JsonObject([.. image.Config.ExposedPorts.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject()))]),
            ["StopSignal"] = image.Config.StopSignal,
        },
        ["RootFS"] = new JsonObject { ["Type"] = "layers", ["Layers"] = Strings(image.DiffIds) },
        ["GraphDriver"] = new JsonObject { ["Name"] = "overlay", ["Data"] = new JsonObject() },
        ["Metadata"] = new JsonObject { ["LastTagTime"] = "0001-01-01T00:00:00Z" },
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels) =>
        new([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]);

    /// <summary>Turns pull progress into Docker's per-layer progress lines.</summary>
    private sealed class Progress(ChannelWriter<JsonObject> lines) : IProgress<PullProgress>
    {
        private readonly Dictionary<string, long> _done = new(StringComparer.Ordinal);

        public long Bytes
        {
            get
            {
                lock (_done)
                {
                    return _done.Values.Sum();
                }
            }
        }

        public void Report(PullProgress value)
        {
            lock (_done)
            {
                _done[value.Digest] = value.Current;
            }

            var id = value.Digest.StartsWith("sha256:", StringComparison.Ordinal) ? value.Digest[7..Math.Min(value.Digest.Length, 19)] : value.Digest;
            lines.TryWrite(new JsonObject
            {
                ["status"] = value.Status,
                ["progressDetail"] = value.Total > 0 ? new JsonObject { ["current"] = value.Current, ["total"] = value.Total } : new JsonObject(),
                ["id"] = id,
            });
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Containers;
using Flotilla.NodeAgent.Volumes;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary><c>/volumes/...</c>: named volumes.</summary>
internal static class VolumeEndpoints
{
    public static void MapVolumeEndpoints(this IEndpointRouteBuilder app)
    {
        var volumes = app.MapGroup("/volumes");
        volumes.MapGet("", (VolumeStore store) => ContainerEndpoints.Json(new JsonObject
        {
            ["Volumes"] = new JsonArray([.. store.List().Select(v => (JsonNode)Render(v))]),
            ["Warnings"] = new JsonArray(),
        }));

        volumes.MapPost("/create", async (HttpRequest request, VolumeStore store, CancellationToken cancellationToken) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            var root = body.RootElement;
            var name = root.TryGetProperty("Name", out var n) && n.GetString() is { Length: > 0 } given
                ? given
                : Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
            {
                foreach (var label in l.EnumerateObject())
                {
                    labels[label.Name] = label.Value.GetString() ?? "";
                }
            }

            return ContainerEndpoints.Json(Render(store.Create(name, labels)), StatusCodes.Status201Created);
        });

        volumes.MapGet("/{name}", (string name, VolumeStore store) =>
            ContainerEndpoints.Json(Render(store.Find(name) ?? throw new VolumeNotFoundException(name))));

        volumes.MapDelete("/{name}", (string name, HttpRequest request, VolumeStore store, ContainerEngine engine) =>
        {
            if (engine.FindVolumeUser(name) is { } user)
            {
                throw new VolumeInUseException(name, user);
            }

            store.Remove(name);
            return Results.NoContent();
        });
    }

    private static JsonObject Render(VolumeRecord volume) => new()
    {
        ["Name"] = volume.Name,
        ["Driver"] = VolumeRecord.Driver,
        ["Mountpoint"] = volume.Mountpoint,
        ["CreatedAt"] = ContainerJson.Time(volume.Created),
        ["Labels"] = new JsonObject([.. volume.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]),
        ["Scope"] = "local",
        ["Options"] = new JsonObject(),
    };
}

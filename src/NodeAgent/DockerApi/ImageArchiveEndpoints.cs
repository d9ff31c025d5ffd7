using System.Text.Json.Nodes;
using Flotilla.NodeAgent.Images;
using Microsoft.AspNetCore.Http.Features;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>
/// <c>POST /images/load</c> and <c>GET /images/get</c>, <c>GET /images/{name}/get</c>: what <c>docker load</c> and
/// <c>docker save</c> call.
/// </summary>
internal static class ImageArchiveEndpoints
{
    /// <summary>
    /// Loads the tar in the request body. Unlike dockerd, which answers 200 and reports a failure inside the stream,
    /// the whole archive is checked and stored before the answer starts, so a refused archive is a 400 with the reason
    /// (and the docker CLI exits non-zero). The answer is dockerd's quiet stream (<c>{"stream":"Loaded image: ..."}</c>)
    /// whatever <c>quiet</c> says: layers are not reported one by one.
    /// </summary>
    public static async Task LoadAsync(HttpContext context, IImageStore images)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // Images are as large as their layers; the disk is the limit.
        }

        var loaded = await images.LoadAsync(context.Request.Body, context.RequestAborted);
        context.Response.ContentType = "application/json";
        foreach (var image in loaded)
        {
            var lines = image.RepoTags.Count == 0 ? [$"Loaded image ID: {image.Id}\n"] : image.RepoTags.Select(t => $"Loaded image: {t}\n");
            foreach (var line in lines)
            {
                await context.Response.WriteAsync(new JsonObject { ["stream"] = line }.ToJsonString() + "\r\n", context.RequestAborted);
            }
        }
    }

    /// <summary>Streams the named images as one tar (see <see cref="IImageStore.SaveArchiveAsync"/>).</summary>
    public static async Task SaveAsync(HttpContext context, IImageStore images, IReadOnlyList<string> names)
    {
        if (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("name the images to save: /images/get?names=NAME[&names=NAME...] or /images/NAME/get");
        }

        context.Response.ContentType = "application/x-tar";
        await images.SaveArchiveAsync(names, context.Response.Body, context.RequestAborted);
    }
}

using System.Text.Json;

namespace Flotilla.NodeAgent.Images;

/// <summary>Decides what a manifest document is and parses it, refusing unknown or contradictory media types.</summary>
internal static class ManifestDocument
{
    /// <summary>
    /// The media type of a fetched manifest: the Content-Type, which must agree with the document's own
    /// <c>mediaType</c> field when both are present. A generic Content-Type defers to the field.
    /// </summary>
    public static string ResolveMediaType(string? contentType, ReadOnlySpan<byte> body, string what)
    {
        string? declared;
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            declared = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("mediaType", out var field)
                ? field.GetString()
                : null;
        }
        catch (JsonException e)
        {
            throw new InvalidImageContentException($"{what} is not valid JSON: {e.Message}", e);
        }

        var header = contentType is null or "application/json" or "text/plain" or "application/octet-stream" ? null : contentType;
        if (header is not null && declared is not null && header != declared)
        {
            throw new InvalidImageContentException($"{what} is served as {header} but declares mediaType {declared}; refused");
        }

        var mediaType = header ?? declared
            ?? throw new InvalidImageContentException($"{what} states no media type (neither Content-Type nor mediaType); refused");
        if (mediaType is MediaTypes.DockerManifestSchema1 or MediaTypes.DockerManifestSchema1Signed)
        {
            throw new InvalidImageContentException($"{what} is a Docker schema 1 manifest, which Flotilla does not support: push the image again with a current client");
        }

        if (!MediaTypes.IsManifest(mediaType) && !MediaTypes.IsIndex(mediaType))
        {
            throw new InvalidImageContentException($"{what} has media type {mediaType}, which is not an image manifest or index Flotilla knows ({MediaTypes.ManifestAccept}); refused");
        }

        return mediaType;
    }

    public static OciIndex ParseIndex(ReadOnlySpan<byte> body, string what)
    {
        var index = OciJson.Parse<OciIndex>(body, what);
        if (index.SchemaVersion != 2 || index.Manifests is null)
        {
            throw new InvalidImageContentException($"{what} is not a schemaVersion 2 index with a manifests list; refused");
        }

        return index;
    }

    public static OciManifest ParseManifest(ReadOnlySpan<byte> body, string mediaType, string what)
    {
        var manifest = OciJson.Parse<OciManifest>(body, what);
        if (manifest.SchemaVersion != 2 || manifest.Config is null || manifest.Layers is null)
        {
            throw new InvalidImageContentException($"{what} is not a schemaVersion 2 manifest with config and layers; refused");
        }

        if (manifest.MediaType is not null && manifest.MediaType != mediaType)
        {
            throw new InvalidImageContentException($"{what} was expected as {mediaType} but declares mediaType {manifest.MediaType}; refused");
        }

        if (!MediaTypes.IsConfig(manifest.Config.MediaType))
        {
            throw new InvalidImageContentException($"{what} has config media type {manifest.Config.MediaType}: it is not a container image (an artifact?); refused");
        }

        CheckDescriptor(manifest.Config, what);
        foreach (var layer in manifest.Layers)
        {
            CheckDescriptor(layer, what);
            if (!MediaTypes.IsLayer(layer.MediaType))
            {
                throw new InvalidImageContentException($"{what} has a layer of media type {layer.MediaType}, which Flotilla cannot unpack (it reads tar, tar+gzip and tar+zstd); refused");
            }
        }

        return manifest;
    }

    /// <summary>Picks the manifest for <paramref name="platform"/> (<c>os/arch[/variant]</c>) from an index.</summary>
    public static OciDescriptor SelectPlatform(OciIndex index, string platform, string what)
    {
        var wanted = platform.Split('/');
        var candidates = index.Manifests
            .Where(m => MediaTypes.IsManifest(m.MediaType) && m.Platform is { } p && p.Os == wanted[0] && p.Architecture == wanted[1])
            .ToList();
        var match = wanted.Length == 3
            ? candidates.FirstOrDefault(m => m.Platform!.Variant == wanted[2])
            : candidates.FirstOrDefault(m => m.Platform!.Variant is null) ?? candidates.FirstOrDefault();
        if (match is null)
        {
            var available = string.Join(", ", index.Manifests.Where(m => m.Platform is not null).Select(m => $"{m.Platform!.Os}/{m.Platform.Architecture}{(m.Platform.Variant is null ? "" : "/" + m.Platform.Variant)}"));
            throw new InvalidImageContentException($"{what} has no image for {platform} (it has: {(available.Length == 0 ? "none" : available)})");
        }

        CheckDescriptor(match, what);
        return match;
    }

    /// <summary>Checks that fetched bytes are the ones a descriptor promised.</summary>
    public static void Verify(OciDescriptor descriptor, FetchedManifest fetched, string what)
    {
        if (fetched.Digest != descriptor.Digest || fetched.Body.Length != descriptor.Size)
        {
            throw new InvalidImageContentException($"{what} does not match its descriptor (digest {fetched.Digest}, {fetched.Body.Length} bytes; expected {descriptor.Digest}, {descriptor.Size} bytes); refused");
        }

        if (fetched.MediaType != descriptor.MediaType)
        {
            throw new InvalidImageContentException($"{what} is {fetched.MediaType} but its descriptor says {descriptor.MediaType}; refused");
        }
    }

    private static void CheckDescriptor(OciDescriptor descriptor, string what)
    {
        if (!Digests.IsValid(descriptor.Digest) || descriptor.Size < 0)
        {
            throw new InvalidImageContentException($"{what} has a descriptor with digest '{descriptor.Digest}' and size {descriptor.Size}: Flotilla needs sha256 digests and sizes; refused");
        }
    }
}

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// The agent's images: a content-addressed blob store, unpacked layers shared by chain id, and
/// image metadata with tags. Containers read an image's config and its layer directories.
/// </summary>
public interface IImageStore
{
    /// <summary>Pulls <paramref name="reference"/> (e.g. <c>localhost:5000/busybox:1.0</c>) from its registry.</summary>
    Task<ImageRecord> PullAsync(string reference, IProgress<PullProgress>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Loads every image of an OCI image layout directory or a <c>docker save</c> archive; each record returned carries
    /// the tags the archive gave it (an image may hold more from before).
    /// </summary>
    Task<IReadOnlyList<ImageRecord>> LoadAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Loads every image of a tar read from <paramref name="archive"/> (a <c>docker save</c> archive or an OCI image
    /// layout, plain or gzip/zstd compressed). Refused with <see cref="InvalidImageContentException"/>, storing nothing
    /// of the refused image, when the archive is not one or its content does not verify.
    /// </summary>
    Task<IReadOnlyList<ImageRecord>> LoadAsync(Stream archive, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the images as one tar in the <c>docker save</c> format (manifest.json, repositories) that is also an
    /// OCI image layout (index.json); unknown names fail with <see cref="ImageNotFoundException"/> before anything is written.
    /// </summary>
    Task SaveArchiveAsync(IReadOnlyList<string> references, Stream output, CancellationToken cancellationToken);

    /// <summary>Writes the image as an OCI image layout directory.</summary>
    Task SaveOciLayoutAsync(string reference, string directory, CancellationToken cancellationToken);

    /// <summary>Finds an image by name[:tag], name@digest, full or short id; null when unknown.</summary>
    ImageRecord? Find(string reference);

    IReadOnlyList<ImageRecord> List();

    /// <summary>
    /// Untags or removes an image. Refused with <see cref="ImageInUseException"/> while a container uses
    /// it, unless <paramref name="force"/>.
    /// </summary>
    Task RemoveAsync(string reference, bool force, CancellationToken cancellationToken);

    /// <summary>The unpacked layer directories of the image, lowest first (overlayfs lowerdir order reversed).</summary>
    IReadOnlyList<string> GetLayerDirectories(ImageRecord image);

    /// <summary>Deletes blobs and unpacked layers no image references.</summary>
    Task<GarbageCollectionResult> CollectGarbageAsync(CancellationToken cancellationToken);
}

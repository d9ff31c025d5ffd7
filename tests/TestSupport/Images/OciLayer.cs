namespace Flotilla.TestSupport.Images;

/// <summary>One layer of an image: the blob as stored, and the digest of its uncompressed tar.</summary>
public sealed class OciLayer
{
    internal OciLayer(OciBlob blob, byte[] tar, LayerCompression compression, string createdBy)
    {
        Blob = blob;
        Tar = tar;
        DiffId = OciBlob.ComputeDigest(tar);
        Compression = compression;
        CreatedBy = createdBy;
    }

    /// <summary>The layer as pushed and as written to a layout (possibly compressed).</summary>
    public OciBlob Blob { get; }

    /// <summary>The uncompressed tar.</summary>
    public ReadOnlyMemory<byte> Tar { get; }

    /// <summary>The digest of <see cref="Tar"/>, listed in the config's <c>rootfs.diff_ids</c>.</summary>
    public string DiffId { get; }

    /// <summary>How <see cref="Blob"/> is compressed.</summary>
    public LayerCompression Compression { get; }

    /// <summary>The history line for this layer.</summary>
    public string CreatedBy { get; }
}

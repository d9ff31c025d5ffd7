namespace Flotilla.TestSupport.Images;

/// <summary>How a layer's tar is stored in the registry and in OCI layouts.</summary>
public enum LayerCompression
{
    /// <summary>Plain tar (<c>application/vnd.oci.image.layer.v1.tar</c>).</summary>
    None,

    /// <summary>gzip (<c>...tar+gzip</c>), what registries usually serve.</summary>
    Gzip,

    /// <summary>zstd (<c>...tar+zstd</c>); OCI only.</summary>
    Zstd,
}

namespace Flotilla.TestSupport.Images;

/// <summary>Which manifest and config media types an image is written with.</summary>
public enum ManifestFormat
{
    /// <summary>OCI image manifest and config.</summary>
    Oci,

    /// <summary>Docker schema 2 manifest and config (gzip layers only).</summary>
    Docker,
}

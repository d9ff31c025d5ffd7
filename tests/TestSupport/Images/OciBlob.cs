using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Flotilla.TestSupport.Images;

/// <summary>Content-addressed bytes with their media type: a config, a layer, a manifest or an index.</summary>
public sealed class OciBlob
{
    private readonly byte[] _content;

    /// <summary>Wraps <paramref name="content"/> and computes its sha256 digest.</summary>
    public OciBlob(string mediaType, byte[] content)
    {
        MediaType = mediaType;
        _content = content;
        Digest = ComputeDigest(content);
    }

    /// <summary>The media type a descriptor of this blob carries.</summary>
    public string MediaType { get; }

    /// <summary><c>sha256:&lt;64 hex&gt;</c>.</summary>
    public string Digest { get; }

    /// <summary>The 64 lowercase hex digits of <see cref="Digest"/>.</summary>
    public string Hex => Digest["sha256:".Length..];

    /// <summary>Size in bytes.</summary>
    public long Size => _content.LongLength;

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Content => _content;

    /// <summary><c>sha256:&lt;hex&gt;</c> of <paramref name="content"/>.</summary>
    public static string ComputeDigest(ReadOnlySpan<byte> content) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>An OCI descriptor (<c>mediaType</c>, <c>digest</c>, <c>size</c>) for this blob.</summary>
    public JsonObject ToDescriptor() => new()
    {
        ["mediaType"] = MediaType,
        ["digest"] = Digest,
        ["size"] = Size,
    };

    internal byte[] ContentArray => _content;
}

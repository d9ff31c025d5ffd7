using System.Security.Cryptography;
using System.Text;

namespace Flotilla.NodeAgent.Images;

/// <summary>Parsing and computing <c>sha256:&lt;hex&gt;</c> content digests, the only algorithm Flotilla stores.</summary>
internal static class Digests
{
    public const string Sha256Prefix = "sha256:";

    public static bool IsValid(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) && IsLowerHex(digest.AsSpan(7));

    /// <summary>The hex part of a validated digest; throws <see cref="InvalidImageContentException"/> otherwise.</summary>
    public static string Hex(string digest)
    {
        if (!IsValid(digest))
        {
            throw new InvalidImageContentException($"unsupported or malformed digest '{digest}': Flotilla accepts sha256:<64 lowercase hex digits>");
        }

        return digest[7..];
    }

    public static string FromHash(ReadOnlySpan<byte> hash) => Sha256Prefix + Convert.ToHexStringLower(hash);

    public static string Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>Chain ids per the OCI image spec: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).</summary>
    public static IReadOnlyList<string> ChainIds(IReadOnlyList<string> diffIds)
    {
        var chain = new string[diffIds.Count];
        for (var i = 0; i < diffIds.Count; i++)
        {
            chain[i] = i == 0 ? diffIds[0] : Of(Encoding.ASCII.GetBytes(chain[i - 1] + " " + diffIds[i]));
        }

        return chain;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> hex)
    {
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Flotilla.ControlPlane.Auth;

/// <summary>The two bearer tokens the control plane accepts: the API token (operators, CLI, gateway) and the agents' join token.</summary>
public sealed class ApiTokens(string apiToken, string joinToken)
{
    private readonly byte[] _api = Encoding.UTF8.GetBytes(apiToken);
    private readonly byte[] _join = Encoding.UTF8.GetBytes(joinToken);

    public bool IsApiToken(string candidate) => Matches(_api, candidate);

    public bool IsJoinToken(string candidate) => Matches(_join, candidate);

    /// <summary>How a node token is stored and compared: its SHA-256, hex.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static bool Matches(byte[] expected, string candidate)
    {
        var bytes = Encoding.UTF8.GetBytes(candidate);
        return bytes.Length == expected.Length && CryptographicOperations.FixedTimeEquals(bytes, expected);
    }
}

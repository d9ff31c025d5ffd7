using System.Security.Cryptography;

namespace Flotilla.NodeAgent.Containers;

/// <summary>Generated names for containers created without one (<c>brave_heron</c>).</summary>
internal static class ContainerNames
{
    private static readonly string[] Adjectives =
    [
        "agile", "bold", "brave", "calm", "clever", "eager", "fair", "gentle", "happy", "keen", "lively", "lucid",
        "merry", "nimble", "proud", "quick", "quiet", "sharp", "steady", "swift", "tidy", "vivid", "wise", "zesty",
    ];

    private static readonly string[] Nouns =
    [
        "albatross", "barge", "clipper", "corsair", "cutter", "dory", "frigate", "galleon", "heron", "junk", "ketch",
        "lugger", "petrel", "schooner", "sloop", "skiff", "tern", "trawler", "whaler", "yawl",
    ];

    public static string Generate() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}";
}

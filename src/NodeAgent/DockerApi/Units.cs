using System.Globalization;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>Byte sizes as users write them: <c>64m</c>, <c>1g</c>, <c>512k</c>, <c>1024</c>.</summary>
public static class Units
{
    public static long ParseBytes(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant().TrimEnd('b');
        var multiplier = 1L;
        if (trimmed.Length > 0 && "kmgt".Contains(trimmed[^1], StringComparison.Ordinal))
        {
            multiplier = trimmed[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            trimmed = trimmed[..^1];
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? (long)(value * multiplier)
            : throw new InvalidRunOptionsException($"invalid size \"{text}\": use a number with an optional unit (k, m, g)");
    }
}

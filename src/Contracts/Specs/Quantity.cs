using System.Globalization;

namespace Flotilla.Contracts.Specs;

/// <summary>Parses the quantities a spec is written in: memory sizes ("64Mi", "1G", "512") and durations ("5s", "250ms").</summary>
public static class Quantity
{
    private static readonly (string Suffix, long Factor)[] MemorySuffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
        ("k", 1000L), ("K", 1000L), ("M", 1000_000L), ("G", 1000_000_000L), ("T", 1000_000_000_000L),
    ];

    private static readonly (string Suffix, double Milliseconds)[] DurationSuffixes =
    [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
    ];

    /// <summary>Bytes from "64Mi", "1Gi", "500M" or a plain byte count; false for anything else.</summary>
    public static bool TryParseMemory(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in MemorySuffixes)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                trimmed = trimmed[..^suffix.Length];
                break;
            }
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        var total = value * factor;
        if (total > long.MaxValue)
        {
            return false;
        }

        bytes = (long)decimal.Ceiling(total);
        return true;
    }

    /// <summary>A positive duration from "5s", "250ms", "1m", "2h"; false for anything else.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        foreach (var (suffix, ms) in DurationSuffixes)
        {
            if (!trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var number = trimmed[..^suffix.Length];
            if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                && value > 0 && value * ms < TimeSpan.MaxValue.TotalMilliseconds)
            {
                duration = TimeSpan.FromMilliseconds(value * ms);
                return true;
            }

            return false;
        }

        return false;
    }

    /// <summary>Memory written back the way people read it ("64Mi", "1.5Gi").</summary>
    public static string FormatMemory(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##}Gi"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.##}Mi"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):0.##}Ki"),
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}

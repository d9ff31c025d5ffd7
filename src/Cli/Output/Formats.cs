using System.Globalization;

namespace Flotilla.Cli.Output;

/// <summary>Numbers and times as people read them in a table.</summary>
internal static class Formats
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB"];
    private static readonly string[] BinaryUnits = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>Image and download sizes, decimal like docker's (<c>1.23MB</c>).</summary>
    public static string Size(double bytes) => Scaled(bytes, 1000, DecimalUnits);

    /// <summary>Memory, binary (<c>64MiB</c>).</summary>
    public static string Memory(double bytes) => Scaled(bytes, 1024, BinaryUnits);

    private static string Scaled(double value, double step, string[] units)
    {
        var unit = 0;
        while (Math.Abs(value) >= step && unit < units.Length - 1)
        {
            value /= step;
            unit++;
        }

        return unit == 0
            ? value.ToString("0", CultureInfo.InvariantCulture) + units[0]
            : value.ToString(value < 10 ? "0.##" : value < 100 ? "0.#" : "0", CultureInfo.InvariantCulture) + units[unit];
    }

    /// <summary>"5 seconds", "3 minutes", "2 hours", "4 days".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds switch
        {
            < 1 => "Less than a second",
            < 2 => "1 second",
            < 60 => $"{(int)span.TotalSeconds} seconds",
            < 120 => "About a minute",
            < 3600 => $"{(int)span.TotalMinutes} minutes",
            < 7200 => "About an hour",
            < 172800 => $"{(int)span.TotalHours} hours",
            _ => $"{(int)span.TotalDays} days",
        };
    }

    public static string Ago(DateTimeOffset time, DateTimeOffset now) => Duration(now - time) + " ago";

    public static string ShortId(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
}

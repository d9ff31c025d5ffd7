using System.Globalization;

namespace Flotilla.NodeAgent.DockerApi;

/// <summary>Docker's query conventions: booleans as 1/true, times as unix seconds (with fractions).</summary>
internal static class Query
{
    public static bool Bool(HttpRequest request, string name, bool fallback = false)
    {
        var value = request.Query[name].ToString();
        return value.Length == 0 ? fallback : value is "1" or "true" or "True" or "yes";
    }

    public static int? Int(HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    /// <summary>A unix timestamp (<c>1700000000.5</c>) or RFC 3339; null when absent or 0.</summary>
    public static DateTimeOffset? Time(HttpRequest request, string name)
    {
        var value = request.Query[name].ToString();
        if (value.Length == 0 || value == "0")
        {
            return null;
        }

        // The docker CLI sends seconds.nanoseconds; a double would round that to microseconds at best.
        var parts = value.Split('.', 2);
        if (long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            && (parts.Length == 1 || (parts[1].Length is > 0 and <= 9 && parts[1].All(char.IsAsciiDigit))))
        {
            var ticks = parts.Length == 1 ? 0 : long.Parse(parts[1].PadRight(9, '0'), CultureInfo.InvariantCulture) / 100;
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(ticks);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new FormatException($"invalid time \"{value}\" for {name}: use unix seconds or RFC 3339");
    }
}

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

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new FormatException($"invalid time \"{value}\" for {name}: use unix seconds or RFC 3339");
    }
}

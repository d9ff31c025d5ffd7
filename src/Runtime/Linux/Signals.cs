using System.Globalization;

namespace Flotilla.Runtime.Linux;

internal static class Signals
{
    private static readonly string[] Names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
        "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>"TERM", "SIGTERM" or "15" → 15.</summary>
    public static int Parse(string text)
    {
        if (int.TryParse(text, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 64)
        {
            return number;
        }
        var name = text.ToUpperInvariant();
        name = name.StartsWith("SIG", StringComparison.Ordinal) ? name[3..] : name;
        if (name == "IOT")
        {
            return 6;
        }
        var index = Array.IndexOf(Names, name);
        return index > 0 ? index : throw new RuntimeException($"unknown signal \"{text}\"");
    }
}

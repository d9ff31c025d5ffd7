using System.Diagnostics;

namespace Flotilla.Runtime.Cli;

/// <summary>With FLOTILLA_RUNTIME_TRACE=1, prints how long each start-up stage took (to stderr).</summary>
internal static class StageClock
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("FLOTILLA_RUNTIME_TRACE") == "1";
    private static long _last = Stopwatch.GetTimestamp();

    public static void Mark(string stage)
    {
        if (!Enabled)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        Console.Error.WriteLine($"flotilla-runtime: {stage}: {Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds:F2} ms (t={now / (Stopwatch.Frequency / 1000) % 100000})");
        // The next stage starts after the line is written: the first write sets the console up (about 1 ms),
        // which is no stage's work.
        _last = Stopwatch.GetTimestamp();
    }
}

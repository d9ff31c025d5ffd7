using System.Diagnostics;
using System.Globalization;

namespace Flotilla.Cli.Output;

/// <summary>
/// With <c>FLOTILLA_TRACE=1</c>, prints how long each stage of a verb took to stderr
/// (<c>trace: create 3.10ms</c>), so a slow <c>run</c> can be split into CLI, API and agent time.
/// </summary>
internal static class StageTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("FLOTILLA_TRACE") == "1";
    private static long _last = Stopwatch.GetTimestamp();

    public static void Mark(string stage)
    {
        if (!Enabled)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds;
        _last = now;
        Console.Error.WriteLine($"trace: {stage} {elapsed.ToString("0.00", CultureInfo.InvariantCulture)}ms");
    }
}

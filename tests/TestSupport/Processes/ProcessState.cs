using System.Diagnostics;

namespace Flotilla.TestSupport.Processes;

/// <summary>Looks at and stops processes by pid, for those a fixture did not start itself.</summary>
public static class ProcessState
{
    /// <summary>True while <paramref name="pid"/> runs; false once it is gone or a zombie awaiting its parent.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGKILL to <paramref name="pid"/> if it still exists.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between the lookup and the kill.
        }
    }
}

using System.Globalization;

namespace Flotilla.NodeAgent.Networking;

/// <summary>Reads /proc/net/dev (or /proc/&lt;pid&gt;/net/dev), the kernel's per-interface counters of one network namespace.</summary>
public static class NetDevParser
{
    /// <summary>Parses the file's text: two header lines, then <c>iface: rx bytes packets errs drop ... tx bytes packets errs drop ...</c>.</summary>
    public static IReadOnlyList<InterfaceStatistics> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<InterfaceStatistics>();
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 16)
            {
                continue;
            }

            var values = new long[16];
            var valid = true;
            for (var i = 0; i < 16 && valid; i++)
            {
                valid = long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]);
            }

            if (valid)
            {
                result.Add(new InterfaceStatistics(line[..colon].Trim(), values[0], values[1], values[2], values[3],
                    values[8], values[9], values[10], values[11]));
            }
        }

        return result;
    }

    /// <summary>
    /// Reads the counters of the network namespace process <paramref name="pid"/> is in (a container's main
    /// process), from the agent's own namespace; empty when the process is gone. Cheap enough for every scrape.
    /// </summary>
    public static IReadOnlyList<InterfaceStatistics> Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/net/dev"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return [];
        }
    }
}

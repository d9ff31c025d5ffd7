using System.Text;
using System.Text.Json;

namespace Flotilla.Cli.Output;

/// <summary>
/// Shows Docker's pull progress lines. On a terminal: one live line per layer with a progress bar,
/// redrawn in place. Otherwise: a plain line each time a layer's status changes (no bars, no escapes).
/// </summary>
internal sealed class PullProgressView(TextWriter output, bool terminal)
{
    private const int BarWidth = 40;
    private readonly List<string> _ids = [];
    private readonly Dictionary<string, string> _statuses = new(StringComparer.Ordinal);

    /// <summary>Shows one progress line; returns the error it carries, if any.</summary>
    public string? Show(JsonElement line)
    {
        var error = line.Obj("errorDetail").Str("message") is { Length: > 0 } detail ? detail : line.Str("error");
        if (error.Length > 0)
        {
            return error;
        }

        var id = line.Str("id");
        var status = line.Str("status");
        var progress = line.Obj("progressDetail");
        var current = progress.Long("current");
        var total = progress.Long("total");
        if (id.Length == 0 || status.StartsWith("Pulling from", StringComparison.Ordinal))
        {
            // Lines about the whole image ("Pulling from", "Digest", "Status") take no live line of their own.
            output.WriteLine(id.Length == 0 ? status : $"{id}: {status}");
            return null;
        }

        if (!terminal)
        {
            if (!_statuses.TryGetValue(id, out var previous) || previous != status)
            {
                _statuses[id] = status;
                output.WriteLine($"{id}: {status}{(total > 0 && status is "Downloading" or "Extracting" ? $" {Formats.Size(total)}" : "")}");
            }

            return null;
        }

        var text = $"{id}: {status}{(total > 0 && status is "Downloading" or "Extracting" ? " " + Bar(current, total) : "")}";
        var index = _ids.IndexOf(id);
        if (index < 0)
        {
            _ids.Add(id);
            output.Write($"{text}\n");
        }
        else
        {
            // Up to the layer's line, rewrite it, and back down below the last line.
            var up = _ids.Count - index;
            output.Write($"\u001b[{up}A\u001b[2K\r{text}\u001b[{up}B\r");
        }

        _statuses[id] = status;
        output.Flush();
        return null;
    }

    public static string Bar(long current, long total)
    {
        var fraction = total > 0 ? Math.Clamp((double)current / total, 0, 1) : 0;
        var filled = (int)(fraction * BarWidth);
        var bar = new StringBuilder("[");
        bar.Append('=', filled);
        if (filled < BarWidth)
        {
            bar.Append('>').Append(' ', BarWidth - filled - 1);
        }

        return bar.Append("] ").Append(Formats.Size(current)).Append('/').Append(Formats.Size(total)).ToString();
    }
}

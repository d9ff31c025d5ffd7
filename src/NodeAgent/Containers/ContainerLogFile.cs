using System.Globalization;
using System.Text;
using System.Text.Json;
using Flotilla.NodeAgent.Runtime;

namespace Flotilla.NodeAgent.Containers;

/// <summary>
/// One container's log. The container appends raw bytes to <c>stdout.raw</c>/<c>stderr.raw</c> through
/// file descriptors it holds itself; the agent drains them into <c>container.log</c> as timestamped JSON
/// lines (Docker's json-file format), frees the drained bytes with a punched hole, and rotates by size.
/// Timestamps are the time the agent collected a line (within one drain interval of its writing); lines
/// written while the agent was down get the time it came back.
/// </summary>
public sealed class ContainerLogFile
{
    private const int MaxPartialLine = 16 * 1024;
    private readonly ContainerPaths _paths;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private readonly Lock _lock = new();
    private readonly RawStream[] _streams;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ContainerLogFile(ContainerPaths paths, long maxBytes, int maxFiles)
    {
        _paths = paths;
        _maxBytes = maxBytes;
        _maxFiles = maxFiles;
        _streams = [new RawStream(LogStream.Stdout, paths.StdoutPipe), new RawStream(LogStream.Stderr, paths.StderrPipe)];
        LoadOffsets();
    }

    /// <summary>Bumped at every rotation, so a follower knows to reopen <c>container.log</c>.</summary>
    public int Generation { get; private set; }

    public string Path => _paths.Log;

    /// <summary>Completes when lines are appended or the log is rotated.</summary>
    public Task Appended
    {
        get
        {
            lock (_lock)
            {
                return _appended.Task;
            }
        }
    }

    /// <summary>Moves new output into the log; with <paramref name="final"/> an unterminated last line is kept too.</summary>
    public void Drain(bool final, DateTimeOffset now)
    {
        lock (_lock)
        {
            var buffer = new ArrayBufferWriter();
            foreach (var stream in _streams)
            {
                stream.ReadInto(buffer, now, final, MaxPartialLine);
            }

            if (buffer.Length == 0)
            {
                return;
            }

            using (var log = new FileStream(_paths.Log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                log.Write(buffer.Bytes, 0, buffer.Length);
            }

            SaveOffsets();
            if (new FileInfo(_paths.Log).Length >= _maxBytes)
            {
                Rotate();
            }

            var appended = _appended;
            _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            appended.TrySetResult();
        }
    }

    /// <summary>The log files, oldest first.</summary>
    public IReadOnlyList<string> Files()
    {
        var files = new List<string>();
        for (var index = _maxFiles; index >= 1; index--)
        {
            var rotated = $"{_paths.Log}.{index.ToString(CultureInfo.InvariantCulture)}";
            if (File.Exists(rotated))
            {
                files.Add(rotated);
            }
        }

        files.Add(_paths.Log);
        return files;
    }

    /// <summary>Parses one line of <c>container.log</c>; null for a damaged line.</summary>
    public static LogEntry? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            string? text = null;
            string? stream = null;
            DateTimeOffset time = default;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "log": text = reader.GetString(); break;
                    case "stream": stream = reader.GetString(); break;
                    case "time": time = reader.GetDateTimeOffset(); break;
                }
            }

            return text is null ? null : new LogEntry(time, stream == "stderr" ? LogStream.Stderr : LogStream.Stdout, text);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private void Rotate()
    {
        for (var index = _maxFiles; index >= 1; index--)
        {
            var source = index == 1 ? _paths.Log : $"{_paths.Log}.{(index - 1).ToString(CultureInfo.InvariantCulture)}";
            if (File.Exists(source))
            {
                File.Move(source, $"{_paths.Log}.{index.ToString(CultureInfo.InvariantCulture)}", overwrite: true);
            }
        }

        Generation++;
    }

    private string OffsetsFile => System.IO.Path.Combine(_paths.Directory, "log.offsets");

    private void LoadOffsets()
    {
        if (!File.Exists(OffsetsFile))
        {
            return;
        }

        // Written by rename, so never torn; a damaged file (from an older agent) re-reads the raw files from
        // their start rather than keeping the agent from starting.
        var parts = File.ReadAllText(OffsetsFile).Split(' ');
        for (var index = 0; index < _streams.Length && index < parts.Length; index++)
        {
            _streams[index].Offset = long.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        }
    }

    private void SaveOffsets()
    {
        var temporary = OffsetsFile + ".tmp";
        File.WriteAllText(temporary, string.Join(' ', _streams.Select(s => s.Offset.ToString(CultureInfo.InvariantCulture))));
        File.Move(temporary, OffsetsFile, overwrite: true);
    }

    /// <summary>A growable byte buffer of encoded log lines.</summary>
    private sealed class ArrayBufferWriter
    {
        public byte[] Bytes { get; private set; } = new byte[4096];

        public int Length { get; private set; }

        public void WriteLine(DateTimeOffset time, LogStream stream, string text)
        {
            using var memory = new MemoryStream();
            using (var json = new Utf8JsonWriter(memory))
            {
                json.WriteStartObject();
                json.WriteString("log", text);
                json.WriteString("stream", stream == LogStream.Stderr ? "stderr" : "stdout");
                json.WriteString("time", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            memory.WriteByte((byte)'\n');
            var needed = Length + (int)memory.Length;
            if (needed > Bytes.Length)
            {
                var grown = new byte[Math.Max(needed, Bytes.Length * 2)];
                Bytes.AsSpan(0, Length).CopyTo(grown);
                Bytes = grown;
            }

            memory.GetBuffer().AsSpan(0, (int)memory.Length).CopyTo(Bytes.AsSpan(Length));
            Length = needed;
        }
    }

    /// <summary>One raw stream file and how far the agent has drained it.</summary>
    private sealed class RawStream(LogStream stream, string path)
    {
        public long Offset { get; set; }

        public void ReadInto(ArrayBufferWriter buffer, DateTimeOffset now, bool final, int maxPartialLine)
        {
            if (!File.Exists(path))
            {
                return;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            var length = file.Length;
            if (length < Offset)
            {
                Offset = 0;
            }

            if (length == Offset)
            {
                return;
            }

            var bytes = new byte[length - Offset];
            file.Seek(Offset, SeekOrigin.Begin);
            file.ReadExactly(bytes);
            var consumed = 0;
            while (consumed < bytes.Length)
            {
                var newline = Array.IndexOf(bytes, (byte)'\n', consumed);
                if (newline < 0)
                {
                    if (!final && bytes.Length - consumed < maxPartialLine)
                    {
                        break;
                    }

                    newline = bytes.Length - 1;
                }

                buffer.WriteLine(now, stream, Encoding.UTF8.GetString(bytes, consumed, newline - consumed + 1));
                consumed = newline + 1;
            }

            if (consumed > 0)
            {
                LinuxNative.PunchHole(file.SafeFileHandle, Offset, consumed);
                Offset += consumed;
            }
        }
    }
}

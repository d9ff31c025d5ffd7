using System.Text;

namespace Flotilla.Cli.Engine;

/// <summary>Keeps the last bytes written to a stream (a command's stderr), to explain how it ended.</summary>
internal sealed class TailBuffer(int capacity)
{
    private readonly Queue<byte> _bytes = new();

    public string Text => Encoding.UTF8.GetString([.. _bytes]);

    public void Append(ReadOnlySpan<byte> data)
    {
        foreach (var b in data.Length > capacity ? data[^capacity..] : data)
        {
            if (_bytes.Count == capacity)
            {
                _bytes.Dequeue();
            }

            _bytes.Enqueue(b);
        }
    }
}

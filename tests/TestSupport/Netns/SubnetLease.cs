namespace Flotilla.TestSupport.Netns;

/// <summary>
/// Claims one /24 of 198.18.0.0/15 (RFC 2544's benchmarking range, never routed on a real network)
/// for one <see cref="NetnsHosts"/>. The claim is an exclusive lock on
/// <c>/run/flotilla-tests/netns/&lt;index&gt;.lock</c>, so test processes running in parallel never
/// share a subnet or a name, and a crashed process releases its claim with its file descriptors.
/// </summary>
internal sealed class SubnetLease : IDisposable
{
    public const int Count = 512;
    private const string LockDirectory = "/run/flotilla-tests/netns";
    private readonly FileStream _lock;

    private SubnetLease(int index, FileStream lockFile)
    {
        Index = index;
        _lock = lockFile;
    }

    /// <summary>0..511; names every resource made under this lease.</summary>
    public int Index { get; }

    /// <summary>The first three octets, e.g. <c>198.19.4</c>.</summary>
    public string Prefix => $"198.{18 + (Index / 256)}.{Index % 256}";

    public static SubnetLease Acquire()
    {
        var start = Random.Shared.Next(Count);
        for (var i = 0; i < Count; i++)
        {
            if (TryAcquire((start + i) % Count) is { } lease)
            {
                return lease;
            }
        }

        throw new InvalidOperationException($"all {Count} test subnets in 198.18.0.0/15 are in use (locks in {LockDirectory})");
    }

    /// <summary>Claims subnet <paramref name="index"/>, or returns null while another process holds it.</summary>
    public static SubnetLease? TryAcquire(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        Directory.CreateDirectory(LockDirectory);
        try
        {
            // FileShare.None takes flock(LOCK_EX) on Linux: held until disposed or the process dies.
            var file = new FileStream(Path.Combine(LockDirectory, $"{index}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new SubnetLease(index, file);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _lock.Dispose();
}

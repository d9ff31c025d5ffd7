namespace Flotilla.NodeAgent.Images;

/// <summary>Reports one layer's progress, at most once per percent of its size, so a fast download does not flood the listener.</summary>
internal sealed class LayerProgress(IProgress<PullProgress>? progress, string digest, long total)
{
    private long _current;
    private long _lastReported = -1;

    public void Downloaded(long delta)
    {
        if (delta > 0)
        {
            ImageMetrics.AddPullBytes(delta);
        }

        var current = Interlocked.Add(ref _current, delta);
        var step = Math.Max(total / 100, 1);
        if (current == total || current < _lastReported || current - _lastReported >= step)
        {
            _lastReported = current;
            progress?.Report(new PullProgress(digest, current == total ? "Download complete" : "Downloading", current, total));
        }
    }

    public void Report(string status, long current) => progress?.Report(new PullProgress(digest, status, current, total));
}

namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Bytes the image store has downloaded, for its pull log lines. The exported pull metrics are
/// <see cref="Metrics.AgentMetrics"/>'s (<c>flotilla_agent_image_pull_*</c> on /metrics).
/// </summary>
internal static class ImageMetrics
{
    private static long _pullBytes;

    public static long PullBytes => Interlocked.Read(ref _pullBytes);

    public static void AddPullBytes(long bytes) => Interlocked.Add(ref _pullBytes, bytes);
}

namespace Flotilla.NodeAgent.Images;

/// <summary>A pull that failed talking to the registry: unreachable, unauthorized, unknown repository or tag.</summary>
public sealed class ImagePullException : Exception
{
    public ImagePullException(string message)
        : base(message)
    {
    }

    public ImagePullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

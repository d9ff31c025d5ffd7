namespace Flotilla.NodeAgent.Images;

/// <summary>
/// Image content Flotilla refuses: a digest or size that does not match, an unknown or mismatched media
/// type, a layer that would write outside its directory or beyond the size limit. Nothing of it is stored.
/// </summary>
public sealed class InvalidImageContentException : Exception
{
    public InvalidImageContentException(string message)
        : base(message)
    {
    }

    public InvalidImageContentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

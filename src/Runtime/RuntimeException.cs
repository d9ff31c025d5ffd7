namespace Flotilla.Runtime;

/// <summary>A failure the user can act on: the message says what was wrong; no stack trace is shown.</summary>
internal sealed class RuntimeException : Exception
{
    public RuntimeException(string message) : base(message) { }

    public RuntimeException(string message, Exception inner) : base(message, inner) { }

    public RuntimeException() { }

    public static RuntimeException FromErrno(string what, int errno) =>
        new($"{what}: {Native.Libc.ErrorText(errno)} (errno {errno})");
}

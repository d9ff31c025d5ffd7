namespace Flotilla.TestSupport.Processes;

/// <summary>A command a fixture depends on exited with a non-zero status.</summary>
public sealed class ProcessFailedException : Exception
{
    /// <summary>Creates the exception for a failed result.</summary>
    public ProcessFailedException(ProcessResult result)
        : base(result.ToString()) => Result = result;

    /// <summary>The failed run.</summary>
    public ProcessResult Result { get; }
}

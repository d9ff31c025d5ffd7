namespace Flotilla.Contracts.Specs;

/// <summary>A spec document that cannot be read at all; <see cref="Field"/> says where.</summary>
public sealed class SpecFormatException : Exception
{
    public SpecFormatException(string field, string message)
        : base($"{field}: {message}")
    {
        Field = field;
        Reason = message;
    }

    public SpecFormatException()
        : this("(document)", "is not a workload spec")
    {
    }

    public SpecFormatException(string message)
        : this("(document)", message)
    {
    }

    public SpecFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "(document)";
        Reason = message;
    }

    public string Field { get; } = "(document)";

    public string Reason { get; } = string.Empty;
}

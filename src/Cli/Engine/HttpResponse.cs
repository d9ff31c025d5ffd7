namespace Flotilla.Cli.Engine;

/// <summary>A response's status line and headers, and its body to read.</summary>
internal sealed class HttpResponse(int status, IReadOnlyDictionary<string, string> headers, HttpBodyStream body)
{
    public int Status { get; } = status;

    public bool IsSuccess => Status is >= 200 and < 300;

    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    public HttpBodyStream Body { get; } = body;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

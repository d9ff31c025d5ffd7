using Flotilla.Runtime.Tests.Support;

namespace Flotilla.Runtime.Tests.Conformance;

/// <summary>
/// One bundle run under flotilla-runtime and runc: what the process prints (after <see cref="Normalize"/>)
/// and its exit code must match, and <see cref="Check"/> states what both must show.
/// </summary>
public sealed record ConformanceCase(
    string Name,
    Func<TestBundle, Task> Configure,
    Action<ProcessResult> Check,
    Func<string, string>? Normalize = null)
{
    public override string ToString() => Name;
}

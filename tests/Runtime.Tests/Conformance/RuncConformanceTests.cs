using Flotilla.Runtime.Tests.Support;

namespace Flotilla.Runtime.Tests.Conformance;

/// <summary>The same bundle under flotilla-runtime and Debian's runc: the process sees the same world.</summary>
[Trait("Category", "Integration")]
public sealed class RuncConformanceTests
{
    [Theory]
    [MemberData(nameof(ConformanceCases.Names), MemberType = typeof(ConformanceCases))]
    public async Task Bundle_LooksTheSameUnderBothRuntimes(string name)
    {
        var testCase = ConformanceCases.All.Single(c => c.Name == name);
        await using var bundle = await TestBundle.CreateAsync();
        await testCase.Configure(bundle);

        var runc = await bundle.RunAsync(RuntimeKind.Runc);
        var flotilla = await bundle.RunAsync(RuntimeKind.Flotilla);

        var normalize = testCase.Normalize ?? (s => s);
        testCase.Check(runc with { Stdout = normalize(runc.Stdout) });
        testCase.Check(flotilla with { Stdout = normalize(flotilla.Stdout) });
        Assert.Equal(runc.ExitCode, flotilla.ExitCode);
        Assert.Equal(normalize(runc.Stdout), normalize(flotilla.Stdout));
        Assert.Empty(bundle.LeftoverCgroups());
    }
}

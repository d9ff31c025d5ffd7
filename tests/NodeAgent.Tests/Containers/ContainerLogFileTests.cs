using System.Text;
using Flotilla.NodeAgent.Containers;

namespace Flotilla.NodeAgent.Tests.Containers;

[Trait("Category", "Unit")]
public sealed class ContainerLogFileTests : IDisposable
{
    private readonly ContainerPaths _paths = new(Directory.CreateTempSubdirectory("flotilla-logfile-").FullName);

    public void Dispose() => Directory.Delete(_paths.Directory, recursive: true);

    [Fact]
    public void ADamagedOffsetsFile_DoesNotKeepTheLogFromOpening()
    {
        // An agent killed while writing its offsets left the file empty: the next agent must still start.
        File.WriteAllText(Path.Combine(_paths.Directory, "log.offsets"), "");
        File.WriteAllText(_paths.StdoutPipe, "hello\n");

        var log = new ContainerLogFile(_paths, 1 << 20, 2);
        log.Drain(final: true, DateTimeOffset.UtcNow);

        var line = File.ReadAllLines(_paths.Log).Single();
        Assert.Equal("hello\n", ContainerLogFile.Parse(Encoding.UTF8.GetBytes(line))!.Text);
    }

    [Fact]
    public void Offsets_SurviveAReopen_SoNoLineIsCollectedTwice()
    {
        File.WriteAllText(_paths.StdoutPipe, "one\n");
        new ContainerLogFile(_paths, 1 << 20, 2).Drain(final: false, DateTimeOffset.UtcNow);
        File.AppendAllText(_paths.StdoutPipe, "two\n");

        new ContainerLogFile(_paths, 1 << 20, 2).Drain(final: false, DateTimeOffset.UtcNow);

        var texts = File.ReadAllLines(_paths.Log).Select(l => ContainerLogFile.Parse(Encoding.UTF8.GetBytes(l))!.Text);
        Assert.Equal(["one\n", "two\n"], texts);
        Assert.False(File.Exists(Path.Combine(_paths.Directory, "log.offsets.tmp")));
    }
}

using Flotilla.ControlPlane.Grains;
using Flotilla.ControlPlane.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Flotilla.ControlPlane.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class FileGrainStorageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("flotilla-storage-test-").FullName;
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(WorkloadState).Assembly)).BuildServiceProvider();

    private FileGrainStorage NewStorage() => new(
        "test", _directory, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()), NullLogger<FileGrainStorage>.Instance);

    private static GrainId Id(string key) => GrainId.Create("workload", key);

    [Fact]
    public async Task Write_ThenReadFromAFreshInstance_ReturnsTheSameStateAndETag()
    {
        var written = new GrainState<WorkloadIndexState> { State = new WorkloadIndexState { Names = new(StringComparer.Ordinal) { "a", "b" } } };
        await NewStorage().WriteStateAsync("index", Id("x"), written);

        var read = new GrainState<WorkloadIndexState>();
        await NewStorage().ReadStateAsync("index", Id("x"), read);

        Assert.True(read.RecordExists);
        Assert.Equal(["a", "b"], read.State!.Names);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task Read_Missing_GivesAnEmptyStateWithoutETag()
    {
        var read = new GrainState<WorkloadIndexState>();

        await NewStorage().ReadStateAsync("index", Id("none"), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Empty(read.State!.Names);
    }

    [Fact]
    public async Task Write_WithAStaleETag_IsRefusedAndKeepsTheNewerState()
    {
        var storage = NewStorage();
        var first = new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() };
        await storage.WriteStateAsync("index", Id("x"), first);
        var stale = new GrainState<WorkloadIndexState> { State = new WorkloadIndexState(), ETag = first.ETag };
        first.State.Names.Add("newer");
        await storage.WriteStateAsync("index", Id("x"), first);

        stale.State.Names.Add("stale");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("index", Id("x"), stale));

        var read = new GrainState<WorkloadIndexState>();
        await storage.ReadStateAsync("index", Id("x"), read);
        Assert.Equal(["newer"], read.State!.Names);
    }

    [Fact]
    public async Task Write_ForANewGrainWhenAFileExists_IsRefused()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("index", Id("x"), new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.WriteStateAsync("index", Id("x"), new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() }));
    }

    [Fact]
    public async Task Clear_RemovesTheStateAndLeavesNoFiles()
    {
        var storage = NewStorage();
        var state = new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() };
        await storage.WriteStateAsync("index", Id("x"), state);

        await storage.ClearStateAsync("index", Id("x"), state);

        Assert.Empty(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
        var read = new GrainState<WorkloadIndexState>();
        await storage.ReadStateAsync("index", Id("x"), read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task ManyWrites_LeaveOneFileAndNoTempFiles()
    {
        var storage = NewStorage();
        var state = new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() };
        for (var i = 0; i < 20; i++)
        {
            state.State.Names.Add($"w{i}");
            await storage.WriteStateAsync("index", Id("x"), state);
        }

        Assert.Single(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
        Assert.Equal("20", state.ETag);
    }

    [Fact]
    public async Task Keys_WithPathCharacters_StayInsideTheDirectory()
    {
        await NewStorage().WriteStateAsync("index", Id("../../etc/passwd"), new GrainState<WorkloadIndexState> { State = new WorkloadIndexState() });

        var file = Assert.Single(Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories));
        Assert.StartsWith(_directory, Path.GetFullPath(file), StringComparison.Ordinal);
        Assert.DoesNotContain("..", Path.GetFileName(file), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

using System.Text.Json;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Output;

namespace Flotilla.Cli.Tests.Output;

[Trait("Category", "Unit")]
public sealed class OutputTests
{
    [Fact]
    public void Table_PadsColumnsToTheWidestCell()
    {
        var table = new Table("NAME", "STATUS");
        table.Add("web", "Up 5 seconds");
        table.Add("database-1", "Exited (0)");
        using var output = new StringWriter();

        table.WriteTo(output);

        Assert.Equal("NAME         STATUS\nweb          Up 5 seconds\ndatabase-1   Exited (0)\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1_230_000, "1.23MB")]
    [InlineData(45_600_000, "45.6MB")]
    [InlineData(2_000_000_000, "2GB")]
    public void Sizes_AreDecimal(long bytes, string text) => Assert.Equal(text, Formats.Size(bytes));

    [Theory]
    [InlineData(64L << 20, "64MiB")]
    [InlineData(1536, "1.5KiB")]
    public void Memory_IsBinary(long bytes, string text) => Assert.Equal(text, Formats.Memory(bytes));

    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(5, "5 seconds")]
    [InlineData(90, "About a minute")]
    [InlineData(600, "10 minutes")]
    [InlineData(10800, "3 hours")]
    [InlineData(400000, "4 days")]
    public void Durations_ReadLikeDockers(double seconds, string text) => Assert.Equal(text, Formats.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void ProgressBar_FillsWithTheFraction()
    {
        Assert.Equal("[====================>                   ] 500B/1kB", PullProgressView.Bar(500, 1000));
        Assert.StartsWith("[========================================]", PullProgressView.Bar(1000, 1000), StringComparison.Ordinal);
    }

    [Fact]
    public void PullProgress_OnATerminal_RedrawsEachLayersLineInPlace()
    {
        using var output = new StringWriter();
        var view = new PullProgressView(output, terminal: true);

        Show(view, """{"status":"Downloading","id":"aaaaaaaaaaaa","progressDetail":{"current":10,"total":100}}""");
        Show(view, """{"status":"Downloading","id":"bbbbbbbbbbbb","progressDetail":{"current":5,"total":100}}""");
        Show(view, """{"status":"Downloading","id":"aaaaaaaaaaaa","progressDetail":{"current":50,"total":100}}""");

        var text = output.ToString();
        Assert.StartsWith("aaaaaaaaaaaa: Downloading [====", text, StringComparison.Ordinal);
        // The third update goes two lines up (to layer a), clears it, and comes back down.
        Assert.Contains("\u001b[2A\u001b[2K\raaaaaaaaaaaa: Downloading [====================>", text, StringComparison.Ordinal);
        Assert.EndsWith("50B/100B\u001b[2B\r", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PullProgress_WithoutATerminal_PrintsStatusChangesOnly()
    {
        using var output = new StringWriter();
        var view = new PullProgressView(output, terminal: false);

        Show(view, """{"status":"Downloading","id":"aaaaaaaaaaaa","progressDetail":{"current":10,"total":2000000}}""");
        Show(view, """{"status":"Downloading","id":"aaaaaaaaaaaa","progressDetail":{"current":50,"total":2000000}}""");
        Show(view, """{"status":"Pull complete","id":"aaaaaaaaaaaa","progressDetail":{}}""");
        Show(view, """{"status":"Digest: sha256:1234"}""");

        Assert.Equal("aaaaaaaaaaaa: Downloading 2MB\naaaaaaaaaaaa: Pull complete\nDigest: sha256:1234\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void PullProgress_ReturnsTheErrorLine()
    {
        var view = new PullProgressView(TextWriter.Null, terminal: false);

        Assert.Equal("manifest unknown", Show(view, """{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}"""));
    }

    [Fact]
    public void StatsSample_ComputesCpuAndMemoryLikeDocker()
    {
        using var reading = JsonDocument.Parse("""
            {"id":"abc","name":"/web","pids_stats":{"current":3},
             "cpu_stats":{"cpu_usage":{"total_usage":300000000},"system_cpu_usage":20000000000,"online_cpus":2},
             "precpu_stats":{"cpu_usage":{"total_usage":100000000},"system_cpu_usage":18000000000},
             "memory_stats":{"usage":10485760,"limit":104857600,"stats":{"total_inactive_file":2097152}}}
            """);

        var sample = StatsSample.From(reading.RootElement);

        Assert.Equal("web", sample.Name);
        Assert.Equal(20.0, sample.CpuPercent, precision: 6);
        Assert.Equal(8L << 20, sample.MemoryUsage);
        Assert.Equal(8.0, sample.MemoryPercent, precision: 6);
        Assert.Equal(3, sample.Pids);
    }

    [Fact]
    public void PortsColumn_ReadsLikeDockers()
    {
        using var container = JsonDocument.Parse("""{"Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":53,"Type":"udp"}]}""");

        Assert.Equal("0.0.0.0:8080->80/tcp, 53/udp", ContainerList.Ports(container.RootElement));
    }

    [Theory]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    public void Since_TakesDurations(string text, long secondsBack)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        Assert.Equal((1_700_000_000 - secondsBack).ToString(System.Globalization.CultureInfo.InvariantCulture), ContainerLogs.ParseSince(text, now));
    }

    [Fact]
    public void Since_TakesTimesAndUnixSeconds()
    {
        var now = DateTimeOffset.UtcNow;

        Assert.Equal("1700000000", ContainerLogs.ParseSince("2023-11-14T22:13:20Z", now));
        Assert.Equal("1700000000.5", ContainerLogs.ParseSince("1700000000.5", now));
        Assert.Throws<Flotilla.Cli.Parsing.UsageException>(() => ContainerLogs.ParseSince("soon", now));
    }

    [Fact]
    public void PullQuery_SplitsTheTagLikeDocker()
    {
        Assert.Equal("fromImage=localhost%3A5000%2Fapp&tag=1.0", ImagePull.Query("localhost:5000/app:1.0"));
        Assert.Equal("fromImage=localhost%3A5000%2Fapp", ImagePull.Query("localhost:5000/app"));
        Assert.Equal("fromImage=app%40sha256%3Aabc", ImagePull.Query("app@sha256:abc"));
    }

    private static string? Show(PullProgressView view, string json)
    {
        using var line = JsonDocument.Parse(json);
        return view.Show(line.RootElement);
    }
}

using System.Text;
using RunDashboard.Core.Ingest;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public sealed class IngestLimitsTests
{
    private static FileImport Read(string text, IngestLimits limits) =>
        new Ingestor(Ingestor.BuiltInFormats()) { Limits = limits }.Ingest("limits.log", () => new MemoryStream(Encoding.UTF8.GetBytes(text)), new MemorySink());

    [Fact]
    public void A_run_with_more_series_than_the_limit_fails_naming_the_limit()
    {
        var line = "step {0} | " + string.Join(" | ", Enumerable.Range(0, 20).Select(i => $"m{i}: {{0}}.5"));
        var log = string.Join('\n', Enumerable.Range(1, 5).Select(i => string.Format(line, i)));
        var import = Read(log, new IngestLimits { MaxSeriesPerRun = 5 });
        Assert.False(import.Succeeded);
        Assert.Contains("Limits:MaxSeriesPerRun", import.Error);
    }

    [Fact]
    public void A_run_with_more_points_than_the_limit_fails_naming_the_limit()
    {
        var log = string.Join('\n', Enumerable.Range(1, 50).Select(i => $"step {i} | loss {3.0 / i:0.000}"));
        var import = Read(log, new IngestLimits { MaxPointsPerRun = 20 });
        Assert.False(import.Succeeded);
        Assert.Contains("Limits:MaxPointsPerRun", import.Error);
    }

    [Fact]
    public void A_line_over_the_limit_is_skipped_and_reported_and_the_rest_is_read()
    {
        var log = "step 1 | loss 2.0\n" + "step 2 | loss " + new string('9', 300_000) + "\nstep 3 | loss 1.5\nstep 4 | loss 1.4\n";
        var import = Read(log, new IngestLimits { MaxLineBytes = 128 * 1024 });
        Assert.True(import.Succeeded, import.Error);
        Assert.Contains(import.Problems, p => p.Line == 2 && p.Message.Contains("Limits:MaxLineBytes"));
        Assert.Equal(3, import.Runs.Single().Series.Single(s => s.Key == "train/loss").Count);
    }
}

using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Services;

/// <summary>The generated logs a starting dashboard imports into a throwaway database, and the in-process warm-up.</summary>
public class ImportWarmUpTests
{
    [Fact]
    public async Task The_generated_logs_are_read_as_three_kinds_of_trainer_log_each_with_a_training_loss()
    {
        using var dir = new TempDirectory();
        using var store = new RunStore(dir.File("check.db"));
        var imports = new ImportService(store, new Ingestor(Ingestor.BuiltInFormats()), TimeProvider.System);
        var formats = new List<string?>();
        foreach (var (name, log) in ImportWarmUp.Logs(0))
        {
            var report = await imports.ImportAsync([new UploadFile(name, () => new MemoryStream(log))], new UploadOptions());
            Assert.True(report.Succeeded, report.Error);
            formats.Add(report.Format);
            var loss = report.Runs[0].FindMetric("train/loss");
            Assert.True(loss is { Count: > 1000 }, $"{name} ({report.Format}): train/loss has {loss?.Count ?? 0} points");
        }
        Assert.Equal(3, formats.Distinct().Count());
    }

    [Fact]
    public void Each_round_sends_other_bytes_so_no_round_is_a_duplicate_of_the_one_before()
    {
        var first = ImportWarmUp.Logs(0).ToList();
        var second = ImportWarmUp.Logs(1).ToList();
        Assert.Equal(first.Count, second.Count);
        for (var i = 0; i < first.Count; i++)
        {
            Assert.NotEqual(first[i].Name, second[i].Name);
            Assert.False(first[i].Log.AsSpan().SequenceEqual(second[i].Log), $"{first[i].Name} and {second[i].Name} hold the same bytes");
        }
    }

    [Fact]
    public async Task The_in_process_warm_up_imports_every_log_of_every_round_and_leaves_no_file_behind()
    {
        using var dir = new TempDirectory();
        var folder = dir.File("import-warm-up");
        var result = await ImportWarmUp.RunAsync(new Ingestor(Ingestor.BuiltInFormats()), folder);
        Assert.Equal(ImportWarmUp.Rounds * ImportWarmUp.Logs(0).Count(), result.Imports);
        Assert.Equal(Enumerable.Range(0, ImportWarmUp.Rounds).Sum(r => ImportWarmUp.Logs(r).Sum(l => (long)l.Log.Length)), result.Bytes);
        Assert.True(result.Points > 100_000, $"{result.Points} points");
        Assert.False(Directory.Exists(folder), "the throwaway database's folder is still there");
    }
}

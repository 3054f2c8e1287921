using System.Globalization;
using System.Text;
using RunDashboard.Core.Ingest;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// After a dedicated reader, the generic reader reads the file's first lines again; when it finds clearly more
/// points there, the import says so (a kind of line the dedicated reader does not know).
/// </summary>
public class CrossCheckTests
{
    /// <summary>Trainer dicts (4 values each) and, when asked, a line of two values the dict reader does not know after each.</summary>
    private static string TrainerLog(int dicts, bool otherLines)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= dicts; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{'loss': {2.0 + 1.0 / i:F4}, 'grad_norm': 1.5, 'learning_rate': 1e-05, 'epoch': {i / 100.0:F2}}}\n");
            if (otherLines) text.Append(CultureInfo.InvariantCulture, $"step {i} | reward {i % 5}.25 | kl 0.{i % 9}1\n");
        }
        return text.ToString();
    }

    private static string[] CrossCheckProblems(FileImport import) =>
        [.. import.Problems.Select(p => p.Message).Where(m => m.StartsWith("the generic reader finds", StringComparison.Ordinal))];

    [Fact]
    public void A_long_file_is_checked_in_its_first_lines_against_the_points_read_from_them()
    {
        var (import, _) = Parse.Text("train.log", TrainerLog(dicts: 40_000, otherLines: true));

        Assert.Equal("hf-trainer", import.Format);
        Assert.Equal(160_000, import.Runs.Sum(r => r.Series.Sum(s => s.Count)));
        // Lines 1–30,000 hold 15,000 dicts: 60,000 points, not the file's 160,000.
        var problem = Assert.Single(CrossCheckProblems(import));
        Assert.Contains($"in the first {Ingestor.CrossCheckLines:N0} lines of this file where the hf-trainer reader found 60,000 ", problem);
        Assert.Contains("train/reward (", problem);
    }

    [Fact]
    public void A_short_file_is_checked_whole()
    {
        var (import, _) = Parse.Text("train.log", TrainerLog(dicts: 200, otherLines: true));

        var problem = Assert.Single(CrossCheckProblems(import));
        Assert.Contains("in this file where the hf-trainer reader found 800 ", problem);
        Assert.Contains("train/reward (200)", problem);
    }

    [Fact]
    public void A_file_the_dedicated_reader_reads_fully_passes_the_check()
    {
        var (import, _) = Parse.Text("train.log", TrainerLog(dicts: 40_000, otherLines: false));

        Assert.Equal(160_000, import.Runs.Sum(r => r.Series.Sum(s => s.Count)));
        Assert.Empty(CrossCheckProblems(import));
    }
}

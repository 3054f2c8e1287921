using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class MetricsTableFormatTests
{
    public static TheoryData<string> Variants => ["kto_metrics_table.log", "kto_metrics_table_cp1252.log", "kto_metrics_table_macroman.log"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Reads_every_row_of_the_table_in_clean_and_mojibake_copies(string fixture)
    {
        var (import, sink) = Parse.File(fixture);
        var run = Assert.Single(import.Runs);

        Assert.Equal("metrics-table", import.Format);
        var (steps, loss) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([5L, 10, 15, 20, 25, 50], steps);
        Assert.Equal([0.6823, 0.6421, 0.6012, 0.5687, 0.5432, 0.4523], loss);
        Assert.Equal(2.5e-07, sink.Series(run, MetricKeys.LearningRate).Values[0]);
        Assert.Equal(0.342, sink.Series(run, MetricKeys.RewardsChosen).Values[0]);
        Assert.Equal(-0.128, sink.Series(run, MetricKeys.RewardsRejected).Values[0]);
        Assert.Equal(0.856, sink.Series(run, MetricKeys.RewardsMargins).Values[^1]);
        Assert.Equal(18.2, sink.Series(run, "train/gpu_memory_gb").Values[0]);
        Assert.Equal(12.5, sink.Series(run, MetricKeys.SamplesPerSecond).Values[0]);
        Assert.Equal(40 * 60 + 12, sink.Series(run, "train/eta_seconds").Values[0]);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_checkpoint_row_becomes_an_event_at_its_step(string fixture)
    {
        var (import, _) = Parse.File(fixture);

        var checkpoint = Assert.Single(import.Runs[0].Events);
        Assert.Equal(RunEvent.Checkpoint, checkpoint.Kind);
        Assert.Equal(50, checkpoint.Step);
        Assert.StartsWith("CHECKPOINT SAVED at step 50", checkpoint.Message);
        Assert.Equal(21, checkpoint.Line);
    }

    [Fact]
    public void Settings_before_and_totals_after_the_table_are_kept()
    {
        var (import, _) = Parse.File("kto_metrics_table.log");
        var run = import.Runs[0];

        Assert.Equal("50", run.Hyperparameters["save_steps"]);
        Assert.Equal("3", run.Hyperparameters["save_total_limit"]);
        Assert.Equal("./kto_output_rtx3090", run.Hyperparameters["output_dir"]);
        Assert.Equal("500", run.Hyperparameters["max_steps"]);
        Assert.Equal(3720, run.Summary["total_time_seconds"]);
        Assert.Equal(500, run.Summary["total_steps"]);
        Assert.Equal(8.05, run.Summary["average_steps_per_second"]);
    }

    [Fact]
    public void Repaired_lines_are_counted_and_a_line_cut_mid_character_is_reported()
    {
        var (import, _) = Parse.File("kto_metrics_table_macroman.log");

        Assert.True(import.LinesRepaired >= 15, $"repaired {import.LinesRepaired}");
        Assert.Contains(import.Problems, p => p.Line == 21 && p.Message.Contains("cut in half"));
    }

    [Fact]
    public void A_bad_cell_is_reported_with_its_column_and_line()
    {
        var text = "| Step | Loss | LR |\n|------|------|----|\n| 1 | 0.9 | 1e-5 |\n| 2 | bad | 1e-5 |\n| 3 | 0.7 | 1e-5 |\n";
        var (import, sink) = Parse.Text("table.log", text);

        Assert.Equal([1L, 3], sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps);
        Assert.Contains(import.Problems, p => p.Line == 4 && p.Message.Contains("Loss 'bad'"));
    }
}

public class TextRepairTests
{
    [Theory]
    [InlineData("â”‚ Step â”‚", "│ Step │")]
    [InlineData("ðŸ’¾ CHECKPOINT SAVED", "💾 CHECKPOINT SAVED")]
    [InlineData("‚úÖ Victory", "✅ Victory")]
    [InlineData("Œ±_kd", "α_kd")]
    [InlineData("1999 √∑ 16", "1999 ÷ 16")]
    public void Undoes_utf8_read_as_cp1252_or_mac_roman(string broken, string expected)
    {
        Assert.Equal(expected, Core.Ingest.TextRepair.Repair(broken, out var cut));
        Assert.False(cut);
    }

    [Theory]
    [InlineData("café au lait")]
    [InlineData("│ already fine │")]
    [InlineData("naïve résumé")]
    [InlineData("plain ascii")]
    public void Leaves_correct_text_alone(string text)
    {
        Assert.Null(Core.Ingest.TextRepair.Repair(text, out _));
    }

    [Fact]
    public void Drops_a_character_cut_at_the_end_of_the_line_and_says_so()
    {
        Assert.Equal("│ end ", Core.Ingest.TextRepair.Repair("â”‚ end â”", out var cut));
        Assert.True(cut);
    }

    [Fact]
    public void Repairs_text_that_was_mangled_twice()
    {
        // "été" → UTF-8 read as cp1252 → "Ã©tÃ©" → that again → "ÃƒÂ©tÃƒÂ©"
        Assert.Equal("été", Core.Ingest.TextRepair.Repair("ÃƒÂ©tÃƒÂ©", out _));
    }
}

using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

public class AnalysisTests
{
    private static Run RunWith(string[] metrics, params (string Key, string Value)[] hyperparameters) => new()
    {
        Id = "r", Name = "r",
        Metrics = metrics.Select(k => new MetricInfo { Key = k, Alias = k, Count = 1 }).ToList(),
        Hyperparameters = hyperparameters.Select(h => new Hyperparameter(h.Key, h.Value)).ToList(),
    };

    [Theory]
    [InlineData(new[] { "train/loss", "eval/loss" }, "SFT")]
    [InlineData(new[] { "train/loss", "rewards/margins", "logps/chosen" }, "DPO")]
    [InlineData(new[] { "train/loss", "rewards/chosen", "train/kl" }, "KTO")]
    [InlineData(new[] { "train/loss", "eval/loss/kd" }, "distillation")]
    [InlineData(new[] { "train/grad_norm" }, "other")]
    public void The_training_method_is_told_from_the_metrics(string[] metrics, string method)
    {
        Assert.Equal(method, TrainingMethod.Detect(RunWith(metrics)));
    }

    [Fact]
    public void Effective_batch_and_epochs_are_derived_where_the_settings_allow()
    {
        var a = RunWith([], ("batch_size", "2"), ("grad_accumulation_steps", "16"), ("iters", "1600"), ("dataset_size", "1600"));
        var b = RunWith([], ("batch_size", "2"), ("iters", "1800"));

        var rows = HyperparameterDiff.Build([a, b]);

        var effective = rows.Single(r => r.Key == HyperparameterDiff.EffectiveBatch);
        Assert.True(effective.Derived);
        Assert.Equal(["32", "2"], effective.Values);
        Assert.Equal(["32", null], rows.Single(r => r.Key == HyperparameterDiff.Epochs).Values);
        Assert.False(rows.Single(r => r.Key == "batch_size").Differs);
        Assert.True(rows.Single(r => r.Key == "dataset_size").Differs);
    }

    [Fact]
    public void The_robust_range_ignores_a_first_loss_of_ninety()
    {
        var values = new List<double> { 90 };
        values.AddRange(Enumerable.Range(0, 200).Select(i => 1.4 + 0.001 * i));

        var range = RobustRange.Of(values);

        Assert.NotNull(range);
        Assert.True(range.Value.Max < 2);
        Assert.True(range.Value.Min > 1.3);
    }

    [Fact]
    public void Runs_are_filtered_and_sorted_on_the_server_side()
    {
        var items = Enumerable.Range(0, 120).Select(i => new RunListItem($"id{i}", $"run {i}", i % 2 == 0 ? "even" : "odd", RunSource.Upload,
            RunStates.Finished, i % 3 == 0 ? ["three"] : [], TrainingMethod.Sft, i, 10.0 - i * 0.01, null, DateTime.UnixEpoch.AddDays(i))).ToList();

        var page = RunFilter.Apply(items, new RunQuery { Project = "even", Tag = "three", SortBy = "train", Descending = false, PageSize = 5, Page = 1 });

        Assert.Equal(20, page.Total);
        Assert.Equal(["run 84", "run 78", "run 72", "run 66", "run 60"], page.Items.Select(r => r.Name));
    }
}

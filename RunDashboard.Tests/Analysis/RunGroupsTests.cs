using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

public class RunGroupsTests
{
    private static Run Run(string id, params (string Key, string Value)[] settings) => new()
    {
        Id = id, Name = "run-" + id, Hyperparameters = settings.Select(s => new Hyperparameter(s.Key, s.Value)).ToList(),
    };

    /// <summary>Fresh runs per test: tests add tags and metrics to them.</summary>
    private static Run[] Sweep() =>
    [
        Run("a", ("learning_rate", "1e-05"), ("seed", "1"), ("output_dir", "/out/a")),
        Run("b", ("learning_rate", "3e-05"), ("seed", "1"), ("output_dir", "/out/b")),
        Run("c", ("learning_rate", "1e-05"), ("seed", "2"), ("output_dir", "/out/c")),
        Run("d", ("learning_rate", "3e-05"), ("seed", "2"), ("output_dir", "/out/d")),
    ];

    private static IReadOnlyList<RunListItem> Items(IEnumerable<Run> runs) => runs.Select(r => RunListItem.From(r)).ToList();

    [Fact]
    public void Everything_but_the_seed_groups_runs_that_differ_only_in_seed_and_output_path_named_by_what_sets_them_apart()
    {
        var groups = RunGroups.Of(Items(Sweep()), Cohorts.Settings);

        Assert.Equal(2, groups.Count);
        Assert.Equal(["learning_rate=1e-05", "learning_rate=3e-05"], groups.Select(g => g.Label));
        Assert.Equal(["a", "c"], groups[0].RunIds);
        Assert.Equal(["b", "d"], groups[1].RunIds);
    }

    [Fact]
    public void Groups_keep_the_order_of_their_first_run_in_the_link_so_adding_runs_keeps_their_colours()
    {
        var before = RunGroups.Of(Items(Sweep().Take(2)), "config:learning_rate");
        var after = RunGroups.Of(Items([.. Sweep(), Run("e", ("learning_rate", "5e-05"), ("seed", "1"))]), "config:learning_rate");

        Assert.Equal(before.Select(g => g.Label), after.Take(2).Select(g => g.Label));
        Assert.Equal("learning_rate=5e-05", after[2].Label);
    }

    [Fact]
    public void Choices_offer_the_settings_that_differ_the_tags_and_no_grouping()
    {
        var tagged = Sweep().Select((r, i) => { r.Tags = i < 2 ? ["baseline"] : []; return r; }).ToList();

        var choices = RunGroups.Choices(Items(tagged)).Select(c => c.Value).ToList();

        Assert.Equal([RunGroups.None, Cohorts.Settings, "config:learning_rate", "config:seed", "tagged:baseline"], choices);
        Assert.Equal(["baseline", "not baseline"], RunGroups.Of(Items(tagged), "tagged:baseline").Select(g => g.Label));
        // A grouping the runs cannot use, typed into a link, falls back to none.
        Assert.Equal(RunGroups.None, RunGroups.Normalize("config:no_such_key", Items(tagged)));
    }

    [Fact]
    public void Without_a_grouping_each_run_is_its_own_line()
    {
        Assert.Equal(["a", "b", "c", "d"], RunGroups.Of(Items(Sweep()), RunGroups.None).SelectMany(g => g.RunIds));
    }

    [Fact]
    public void Parallel_axes_are_the_differing_settings_then_the_final_metric_with_words_as_ordered_categories()
    {
        var runs = Sweep().Select((r, i) =>
        {
            r.Hyperparameters.Add(new Hyperparameter("optimizer", i % 2 == 0 ? "adamw" : "lion"));
            r.Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, LastValue = 1 + i, Count = 2, LastStep = 10 }];
            return r;
        }).ToList();

        var view = ParallelAxes.Build(runs, MetricKeys.TrainLoss);

        Assert.Equal(["learning_rate", "optimizer", "seed", "final train/loss"], view.Axes.Select(a => a.Label));
        Assert.Equal([1e-05, 3e-05, 1e-05, 3e-05], view.Axes[0].Values);
        Assert.Equal(["adamw", "lion"], view.Axes[1].Categories);
        Assert.Equal([0.0, 1, 0, 1], view.Axes[1].Values);
        Assert.Equal([1.0, 2, 3, 4], view.Axes[^1].Values);
    }

    [Fact]
    public void Runs_without_the_final_metric_are_left_out_of_the_parallel_axes_and_named()
    {
        var runs = Sweep().Select(r => { r.Metrics = r.Id == "b" ? [] : [new MetricInfo { Key = MetricKeys.EvalLoss, LastValue = 2, Count = 1, LastStep = 5 }]; return r; }).ToList();

        var view = ParallelAxes.Build(runs, MetricKeys.EvalLoss);

        Assert.Equal(["a", "c", "d"], view.RunIds);
        Assert.Equal(["run-b"], view.LeftOut);
        Assert.All(view.Axes, a => Assert.Equal(3, a.Values.Count));
    }
}

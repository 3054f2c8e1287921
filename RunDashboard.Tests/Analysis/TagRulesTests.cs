using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

public class TagRulesTests
{
    private static readonly TagRules Defaults = TagRules.From(new TagRuleOptions());

    [Fact]
    public void Seed_001s_tags_fall_into_their_categories()
    {
        var categories = Defaults.Categorize(["10mtx1", "4M", "finetune", "dolma-qc", "match_60M", "whatever"]);

        Assert.Equal(["4M"], categories["model size"]);
        Assert.Equal(["10mtx1"], categories["token multiplier"]);
        Assert.Equal(["dolma-qc"], categories["dataset"]);
        Assert.Equal(["finetune"], categories["experiment"]);
        Assert.Equal(["match_60M"], categories["model match"]);
        Assert.DoesNotContain(categories.Values, v => v.Contains("whatever"));
    }

    [Theory]
    [InlineData("100mt", true)]
    [InlineData("1mtx100", true)]
    [InlineData("mtx1", false)]
    [InlineData("10mtx", false)]
    public void Token_multipliers_match_only_their_shape(string tag, bool matches)
    {
        Assert.Equal(matches, Defaults.Categorize([tag]).ContainsKey("token multiplier"));
    }

    [Fact]
    public void Configured_rules_replace_the_defaults()
    {
        var rules = TagRules.From(new TagRuleOptions { Categories = [new TagRule { Name = "gpu", Pattern = "^(a100|h100)$" }] });

        Assert.Equal(["gpu"], rules.Categories);
        Assert.Equal(["h100"], rules.Categorize(["h100", "4M"])["gpu"]);
        Assert.False(rules.Categorize(["4M"]).ContainsKey("model size"));
    }

    [Fact]
    public void Cohorts_count_states_per_group_and_the_completion_rate_of_stopped_runs()
    {
        RunListItem Item(string state, string? timeout) => RunListItem.From(new Run
        {
            // Synced runs: their states are W&B's, as given (an upload's state depends on what its log says).
            Id = Guid.NewGuid().ToString("N"), Name = "r", State = state, Source = RunSource.Wandb,
            Hyperparameters = timeout is null ? [] : [new Hyperparameter("timeout", timeout)],
        });
        var runs = new[]
        {
            Item("finished", "1800"), Item("finished", "1800"), Item("running", "1800"), Item("crashed", "1800"),
            Item("finished", null), Item("failed", null),
        };

        var cohorts = Cohorts.Group(runs, "config:timeout").ToDictionary(c => c.Value);

        Assert.Equal(4, cohorts["1800"].Runs);
        Assert.Equal(1, cohorts["1800"].States["running"]);
        Assert.Equal(2.0 / 3, cohorts["1800"].CompletionRate!.Value, 6);
        Assert.Equal(0.5, cohorts[Cohorts.None].CompletionRate!.Value, 6);
        Assert.Equal(2, RunFilter.Apply(runs, new RunQuery { Group = "config:timeout=(none)" }).Total);
    }
}

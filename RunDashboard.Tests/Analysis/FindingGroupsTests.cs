using RunDashboard.Core.Analysis.Health;

namespace RunDashboard.Tests.Analysis;

public class FindingGroupsTests
{
    [Fact]
    public void The_gap_and_the_eval_train_ratio_become_one_concern_led_by_the_gap()
    {
        var groups = FindingGroups.Merge(
        [
            new Finding("eval-train-ratio", Severity.Warning, "Eval loss is 6.0× train loss", 2000),
            new Finding("log-warning", Severity.Warning, "The log warned", 1000),
            new Finding("final-metrics", Severity.Warning, "gap 79.98 (503.5% of train)", 2065),
        ]);

        Assert.Equal(2, groups.Count);
        Assert.Equal("overfitting", groups[0].Concern);
        Assert.Equal(["final-metrics", "eval-train-ratio"], groups[0].Members.Select(m => m.Rule));
    }

    [Fact]
    public void Repeats_of_one_rule_are_one_line_and_errors_lead_whatever_their_rule()
    {
        var groups = FindingGroups.Merge(
        [
            new Finding("component-weight", Severity.Warning, "attention is 0.5%", 2000),
            new Finding("component-weight", Severity.Warning, "feature is 43%", 2000),
            new Finding("lr-schedule", Severity.Info, "still warming up"),
            new Finding("some-new-rule", Severity.Error, "broken"),
        ]);

        Assert.Equal(["some-new-rule", "component-weight", "lr-schedule"], groups.Select(g => g.Concern));
        Assert.Equal(2, groups[1].Count);
        Assert.Equal(Severity.Error, groups[0].Severity);
    }
}

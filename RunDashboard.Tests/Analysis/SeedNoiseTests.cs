using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>Differences between settings judged against the spread that seeds alone make.</summary>
public class SeedNoiseTests
{
    private static (Run, double?) R(string id, string lr, string seed, double final) =>
        (new Run { Id = id, Name = id, Hyperparameters = [new("learning_rate", lr), new("seed", seed), new("output_dir", "out/" + id)] }, final);

    [Fact]
    public void Runs_that_differ_only_in_seed_form_one_group_with_their_spread()
    {
        var groups = SeedNoise.Groups([R("a", "1e-4", "1", 1.50), R("b", "1e-4", "2", 1.52), R("c", "1e-4", "3", 1.54), R("d", "2e-4", "1", 1.45)]);

        Assert.Equal(2, groups.Count);
        var repeated = Assert.Single(groups, g => g.Finals.Count == 3);
        Assert.Equal(["a", "b", "c"], repeated.RunIds);
        Assert.Equal(0.02, repeated.StdDev!.Value, 6);
        Assert.Equal(0.04, repeated.Range, 6);
        Assert.Equal("learning_rate=1e-4", repeated.Settings);
    }

    [Fact]
    public void A_difference_inside_the_seed_noise_is_not_evidence_and_one_outside_is()
    {
        var close = SeedNoise.Compare(SeedNoise.Groups([R("a", "1e-4", "1", 1.50), R("b", "1e-4", "2", 1.52), R("c", "1e-4", "3", 1.54), R("d", "2e-4", "1", 1.50)]));
        Assert.False(Assert.Single(close).Significant); // 0.02 against 2 × 0.02 × √(1/3 + 1) ≈ 0.046
        Assert.Contains("within seed noise", close[0].Verdict);

        var far = SeedNoise.Compare(SeedNoise.Groups([R("a", "1e-4", "1", 1.50), R("b", "1e-4", "2", 1.52), R("c", "1e-4", "3", 1.54), R("d", "2e-4", "1", 1.30)]));
        Assert.True(Assert.Single(far).Significant);
    }

    [Fact]
    public void Without_repeated_seeds_the_noise_is_unknown()
    {
        var comparison = Assert.Single(SeedNoise.Compare(SeedNoise.Groups([R("a", "1e-4", "1", 1.5), R("d", "2e-4", "1", 1.3)])));
        Assert.Null(comparison.Significant);
        Assert.Contains("seed noise is unknown", comparison.Verdict);
    }
}

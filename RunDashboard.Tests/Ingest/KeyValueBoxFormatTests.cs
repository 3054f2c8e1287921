using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>Key/value boxes as stable-baselines3 and OpenAI baselines print them, one per logging dump.</summary>
public sealed class KeyValueBoxFormatTests
{
    // Shape of a stable-baselines3 PPO run (real/unseen/sb3_ppo_frozenlake_4x4_stdout.txt): the first box has only
    // time/, the script prints its own line between boxes.
    private const string Ppo = """
        Using cpu device
        Output 1: Average over 100 episodes - Reward: 0.0
        -----------------------------
        | time/              |      |
        |    fps             | 1089 |
        |    iterations      | 1    |
        |    time_elapsed    | 1    |
        |    total_timesteps | 2048 |
        -----------------------------
        Output 2: Average over 100 episodes - Reward: 0.02
        -----------------------------------------
        | time/                   |             |
        |    fps                  | 773         |
        |    iterations           | 2           |
        |    time_elapsed         | 5           |
        |    total_timesteps      | 4096        |
        | train/                  |             |
        |    approx_kl            | 0.016806401 |
        |    entropy_loss         | -1.38       |
        |    learning_rate        | 0.0003      |
        |    loss                 | -0.016      |
        |    n_updates            | 10          |
        |    value_loss           | 0.0048      |
        -----------------------------------------
        -----------------------------------------
        | rollout/                |             |
        |    ep_rew_mean          | 1.53        |
        | time/                   |             |
        |    fps                  | 67          |
        |    iterations           | 3           |
        |    total_timesteps      | 6144        |
        | train/                  |             |
        |    approx_kl            | 0.022326335 |
        |    entropy_loss         | -1.37       |
        |    learning_rate        | 0.0003      |
        |    loss                 | 2.54e-05    |
        |    n_updates            | 20          |
        |    value_loss           | 0.0626      |
        -----------------------------------------
        """;

    [Fact]
    public void Reads_each_box_at_its_total_timesteps_with_the_section_in_the_key()
    {
        var (import, sink) = Parse.Text("ppo_stdout.txt", Ppo);
        var run = Assert.Single(import.Runs);

        Assert.Equal("key-value-boxes", import.Format);
        AssertSeries([2048L, 4096, 6144], [1089.0, 773, 67], sink.Series(run, "time/fps"));
        AssertSeries([4096L, 6144], [-0.016, 2.54e-05], sink.Series(run, MetricKeys.TrainLoss));
        AssertSeries([4096L, 6144], [0.0048, 0.0626], sink.Series(run, "train/value_loss"));
        Assert.Equal([0.0003, 0.0003], sink.Series(run, MetricKeys.LearningRate).Values);
        AssertSeries([6144L], [1.53], sink.Series(run, "rollout/ep_rew_mean"));
        // The counter the boxes are placed by is the axis, not a metric of its own.
        Assert.DoesNotContain(run.Series, s => s.Key.EndsWith("total_timesteps", StringComparison.Ordinal));
        Assert.Equal(0, import.ProblemCount);
    }

    // OpenAI baselines' PPO2 boxes (hill-a/stable-baselines issue #121): no sections, the same counter.
    private const string FlatBoxes = """
         --------------------------------------
         | approxkl           | 0.00069229305 |
         | ep_rewmean         | nan           |
         | nupdates           | 782           |
         | policy_loss        | -0.011813248  |
         | total_timesteps    | 100096        |
         | value_loss         | 0.4478733     |
         --------------------------------------
         --------------------------------------
         | approxkl           | 0.00071       |
         | ep_rewmean         | 2.5           |
         | nupdates           | 783           |
         | policy_loss        | -0.0102       |
         | total_timesteps    | 100224        |
         | value_loss         | 0.41          |
         --------------------------------------
        """;

    [Fact]
    public void Boxes_without_sections_keep_bare_keys_and_report_a_nan()
    {
        var (import, sink) = Parse.Text("ppo2_stdout.log", FlatBoxes);
        var run = Assert.Single(import.Runs);

        Assert.Equal("key-value-boxes", import.Format);
        AssertSeries([100096L, 100224], [-0.011813248, -0.0102], sink.Series(run, KeyOf(run, "policy_loss")));
        Assert.Equal([782.0, 783], sink.Series(run, KeyOf(run, "nupdates")).Values);
        var reward = sink.Series(run, KeyOf(run, "ep_rewmean")).Values;
        Assert.True(double.IsNaN(reward[0]));
        Assert.Equal(2.5, reward[1]);
        Assert.Contains(import.Problems, p => p.Message.Contains("non-finite value (NaN) for 'ep_rewmean' at step 100096", StringComparison.Ordinal));
    }

    private static string KeyOf(Core.Ingest.RunDraft run, string alias) => run.Series.Single(s => s.Alias == alias).Key;

    private static void AssertSeries(long[] steps, double[] values, (long[] Steps, double[] Values) series)
    {
        Assert.Equal(steps, series.Steps);
        Assert.Equal(values, series.Values);
    }

    [Fact]
    public void A_metric_line_printed_between_the_boxes_is_reported_not_dropped_silently()
    {
        var (import, _) = Parse.Text("ppo_stdout.txt", Ppo.Replace("Output 2: Average over 100 episodes - Reward: 0.02", "step 2: eval loss 0.25"));

        Assert.Equal("key-value-boxes", import.Format);
        var problem = Assert.Single(import.Problems);
        Assert.Equal(10, problem.Line);
        Assert.Contains("a line with a step and 'eval loss' was not read", problem.Message);
    }

    [Fact]
    public void A_single_drawn_box_is_not_taken_for_logger_dumps()
    {
        // One box is a summary someone drew, not a stream of dumps: another reader (or none) takes the file.
        var (import, _) = Parse.Text("summary.txt", """
            ---------------------------
            | accuracy      | 0.91    |
            | total_steps   | 1000    |
            ---------------------------
            """);

        Assert.NotEqual("key-value-boxes", import.Format);
    }
}

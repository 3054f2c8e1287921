using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>A spike finding says where it happened in the data and how to get past it.</summary>
public class SpikeForensicsTests
{
    private static readonly DateTime Now = new(2025, 9, 10, 12, 0, 0, DateTimeKind.Utc);

    private static Finding Spike(Run run)
    {
        // Logged every 10 steps; 7.0 at step 250 against about 2.0.
        var steps = Enumerable.Range(1, 40).Select(i => (long)i * 10).ToArray();
        var loss = new MetricSeries(MetricKeys.TrainLoss, steps, steps.Select(s => s == 250 ? 7.0 : 2.0).ToArray());
        var lr = new MetricSeries(MetricKeys.LearningRate, steps, steps.Select(s => 1e-4 - s * 1e-7).ToArray());
        var epoch = new MetricSeries(MetricKeys.Epoch, steps, steps.Select(s => s / 100.0).ToArray());
        run.Metrics.AddRange([new MetricInfo { Key = MetricKeys.TrainLoss }, new MetricInfo { Key = MetricKeys.LearningRate }, new MetricInfo { Key = MetricKeys.Epoch }]);
        var series = new Dictionary<string, MetricSeries> { [loss.Key] = loss, [lr.Key] = lr, [epoch.Key] = epoch };
        return Assert.Single(HealthChecks.Run(new RunData(run, series, Now), new HealthOptions()), f => f.Rule == "loss-spike");
    }

    [Fact]
    public void A_spike_carries_its_rate_samples_epoch_checkpoint_and_what_to_do()
    {
        var run = new Run
        {
            Id = "r", Name = "r",
            Hyperparameters = [new("per_device_train_batch_size", "8"), new("gradient_accumulation_steps", "4")],
            Events = [new RunEvent(100, RunEvent.Checkpoint, "saved checkpoint-100"), new RunEvent(200, RunEvent.Checkpoint, "saved checkpoint-200"), new RunEvent(300, RunEvent.Checkpoint, "saved checkpoint-300")],
        };

        var finding = Spike(run);

        Assert.Equal(250, finding.Step);
        Assert.Equal("7.5e-05", finding.Evidence["learning rate"]); // 1e-4 − 250 × 1e-7
        Assert.Equal("32", finding.Evidence["effective batch"]);
        Assert.Equal("8,000", finding.Evidence["sample offset"]);
        Assert.Equal("7,680–7,999", finding.Evidence["samples"]); // the batches of steps 241–250
        Assert.Equal("2.50", finding.Evidence["epoch"]);
        Assert.StartsWith("step 200", finding.Evidence["checkpoint"]);
        Assert.Equal("Resume from the checkpoint at step 200 and skip samples 7,680–7,999 (the batches of steps 241–250).", finding.Evidence["suggestion"]);
        Assert.Contains(finding.Evidence["suggestion"], finding.Message);
    }

    [Fact]
    public void Without_a_checkpoint_or_a_batch_size_it_says_what_is_missing()
    {
        var finding = Spike(new Run { Id = "r", Name = "r" });

        Assert.Equal("none logged before this step", finding.Evidence["checkpoint"]);
        Assert.StartsWith("unknown", finding.Evidence["samples"]);
        Assert.DoesNotContain("Resume", finding.Message);
        Assert.Contains("No checkpoint before step 250", finding.Message);
    }
}

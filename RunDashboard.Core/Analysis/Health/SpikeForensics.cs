using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis.Health;

/// <summary>
/// Where a loss spike sits in the training: the learning rate at its step, which samples went into it (steps ×
/// effective batch), the epoch position, the last checkpoint saved before it, and how to get past it.
/// </summary>
public static class SpikeForensics
{
    public static Finding Describe(RunData data, string key, long step, long? previousStep, double value, double median)
    {
        static string N(double v) => HealthChecks.N(v);
        var evidence = new Dictionary<string, string>
        {
            ["value"] = N(value),
            ["neighbourhood median"] = N(median),
            ["factor"] = N(value / median),
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
        };

        if (data.Get(MetricKeys.LearningRate) is { } lr && ValueAtOrBefore(lr, step) is { } rate) evidence["learning rate"] = N(rate);

        // The loss logged at a step averages the batches since the previous logged step, so those are the suspects.
        var firstStep = previousStep is { } p && p < step ? p : step - 1;
        string? samples = null;
        if (RunSettings.EffectiveBatch(data.Run) is { } batch)
        {
            var from = (long)(firstStep * batch);
            var to = (long)(step * batch) - 1;
            samples = $"{from.ToString("N0", CultureInfo.InvariantCulture)}–{to.ToString("N0", CultureInfo.InvariantCulture)}";
            evidence["effective batch"] = N(batch);
            evidence["sample offset"] = ((long)(step * batch)).ToString("N0", CultureInfo.InvariantCulture);
            evidence["samples"] = samples;
        }
        else
        {
            evidence["samples"] = "unknown: the settings do not give the batch size";
        }

        var epoch = data.Get(MetricKeys.Epoch) is { } epochs && ValueAtOrBefore(epochs, step) is { } e ? e
            : RunSettings.StepsPerEpoch(data.Run, null) is { } perEpoch ? step / perEpoch : (double?)null;
        if (epoch is { } position)
        {
            evidence["epoch"] = position.ToString("0.00", CultureInfo.InvariantCulture);
        }

        var checkpoint = data.Run.Events.Where(ev => ev.Kind == RunEvent.Checkpoint && ev.Step <= step).MaxBy(ev => ev.Step);
        string suggestion;
        if (checkpoint is not null)
        {
            evidence["checkpoint"] = $"step {checkpoint.Step}: {checkpoint.Message}";
            suggestion = samples is not null
                ? $"Resume from the checkpoint at step {checkpoint.Step} and skip samples {samples} (the batches of steps {firstStep + 1}–{step})."
                : $"Resume from the checkpoint at step {checkpoint.Step} and skip the batches of steps {firstStep + 1}–{step}.";
        }
        else
        {
            evidence["checkpoint"] = "none logged before this step";
            suggestion = samples is not null
                ? $"No checkpoint before step {step} is in the log; the samples to inspect are {samples}."
                : $"No checkpoint before step {step} is in the log.";
        }
        evidence["suggestion"] = suggestion;

        var where = epoch is { } ep ? $" (epoch {ep.ToString("0.00", CultureInfo.InvariantCulture)})" : "";
        var rateText = evidence.TryGetValue("learning rate", out var r) ? $", learning rate {r}" : "";
        return new Finding("loss-spike", Severity.Warning,
            $"{key} spiked to {N(value)} at step {step}{where}, {N(value / median)}× its neighbourhood ({N(median)}){rateText}. {suggestion}", step, key)
        {
            Evidence = evidence,
            Why = "Spikes point at bad batches or too high a learning rate; many of them precede divergence. Skipping the batches that caused one and resuming from before it is the usual fix.",
        };
    }

    private static double? ValueAtOrBefore(MetricSeries s, long step)
    {
        var i = Array.BinarySearch(s.Steps, step);
        if (i < 0) i = ~i - 1;
        for (; i >= 0; i--) if (double.IsFinite(s.Values[i])) return s.Values[i];
        return null;
    }
}

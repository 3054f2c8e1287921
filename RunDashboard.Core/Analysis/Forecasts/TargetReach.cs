namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>
/// When a run first reached a target value of a metric: step, trained tokens and wall time; or, when it has not,
/// the step at which its fitted curve would.
/// </summary>
public sealed record TargetReach(bool Reached, long? Step, double? Value, double? Tokens, double? Seconds, long? EstimatedStep, string? Note)
{
    /// <param name="tokens">Cumulative trained tokens by step, when the run logs them.</param>
    /// <param name="secondsPerStep">Pace when the points carry no wall-clock times.</param>
    /// <param name="horizon">How far past the last step an estimate may reach (the configured total, or 10× the last step).</param>
    public static TargetReach Find(long[] steps, double[] values, double[]? times, double target, bool lowerIsBetter,
        (long[] Steps, double[] Values)? tokens, double? secondsPerStep, long horizon)
    {
        bool Hit(double v) => double.IsFinite(v) && (lowerIsBetter ? v <= target : v >= target);
        var firstTime = times?.FirstOrDefault(double.IsFinite) ?? double.NaN;
        for (var i = 0; i < steps.Length; i++)
        {
            if (!Hit(values[i])) continue;
            double? seconds = times is not null && double.IsFinite(times[i]) && double.IsFinite(firstTime) ? times[i] - firstTime
                : secondsPerStep is { } pace ? steps[i] * pace : null;
            return new TargetReach(true, steps[i], values[i], TokensAt(tokens, steps[i]), seconds, null, null);
        }

        var lastIndex = Array.FindLastIndex(values, double.IsFinite);
        if (lastIndex < 0) return new TargetReach(false, null, null, null, null, null, "no finite values");
        var lastStep = steps[lastIndex];
        var end = Math.Max(horizon, lastStep + 1);
        if (LossForecast.Fit(steps, values, end) is not { } forecast)
        {
            return new TargetReach(false, null, null, null, null, null, "not reached, and too few points to fit a curve for an estimate");
        }
        var model = forecast.Model;
        if (!lowerIsBetter)
        {
            // The curve families fitted here fall towards a floor: they say nothing about a metric that should rise.
            return new TargetReach(false, null, null, null, null, null, $"not reached by step {lastStep}; estimates are made for falling metrics (losses) only");
        }
        if (!(model.At(end) <= target))
        {
            return new TargetReach(false, null, null, null, null, null,
                FormattableString.Invariant($"not reached by step {lastStep}; the fitted {model.Kind} ({model.Formula}) gives {model.At(end):G4} at step {end}, short of the target"));
        }
        long lo = lastStep, hi = end;
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (model.At(mid) <= target) hi = mid; else lo = mid;
        }
        double? estimatedTokens = TokensAt(tokens, lastStep) is { } t && lastStep > 0 ? t / lastStep * hi : null;
        return new TargetReach(false, null, null, estimatedTokens, secondsPerStep is { } p ? hi * p : null, hi,
            FormattableString.Invariant($"not reached by step {lastStep}; the fitted {model.Kind} ({model.Formula}) reaches it at about step {hi}"));
    }

    /// <summary>Tokens at a step, interpolated between the logged neighbours.</summary>
    private static double? TokensAt((long[] Steps, double[] Values)? tokens, long step)
    {
        if (tokens is not { } t || t.Steps.Length == 0) return null;
        var i = Array.BinarySearch(t.Steps, step);
        if (i >= 0) return t.Values[i];
        i = ~i;
        if (i == 0) return t.Steps[0] > 0 ? t.Values[0] / t.Steps[0] * step : null;
        if (i == t.Steps.Length) return t.Values[^1] / t.Steps[^1] * step;
        var f = (double)(step - t.Steps[i - 1]) / (t.Steps[i] - t.Steps[i - 1]);
        return t.Values[i - 1] + (t.Values[i] - t.Values[i - 1]) * f;
    }
}

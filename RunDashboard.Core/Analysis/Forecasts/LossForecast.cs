namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>Where a loss curve is heading at a later step, with a band, and the model that says so.</summary>
public sealed record LossForecast(long AtStep, double Predicted, double Low, double High, CurveModel Model, CurveModel? Other, int Points, double HoldoutError)
{
    /// <summary>Longer series are averaged into this many buckets before fitting: the curve's shape survives, the cost stays flat.</summary>
    public const int MaxFitPoints = 400;

    /// <summary>
    /// Fits both families to the points, keeps the one with the smaller error on the last <paramref name="holdoutShare"/>
    /// of them (fitted on the rest), refits it on all points and predicts <paramref name="atStep"/>. The band spans the
    /// 5th–95th percentile of refits to resampled residuals (a residual bootstrap), the other family's prediction, and
    /// the prediction ± the held-out error.
    /// Null when fewer than <paramref name="minPoints"/> finite points remain.
    /// </summary>
    public static LossForecast? Fit(long[] steps, double[] values, long atStep, int minPoints = 8, double holdoutShare = 0.2, int resamples = 100)
    {
        var (t, y) = Prepare(steps, values);
        if (t.Length < minPoints) return null;
        var holdout = Math.Max(2, (int)Math.Round(t.Length * holdoutShare));
        var fitCount = t.Length - holdout;

        CurveModel? chosen = null, other = null;
        var chosenError = double.PositiveInfinity;
        foreach (var kind in new[] { CurveModel.PowerLaw, CurveModel.Exponential })
        {
            var early = CurveModel.Fit(kind, t.AsSpan(0, fitCount), y.AsSpan(0, fitCount));
            if (early is null) continue;
            var error = 0.0;
            for (var i = fitCount; i < t.Length; i++) { var r = y[i] - early.At(t[i]); error += r * r; }
            error = Math.Sqrt(error / holdout);
            var full = CurveModel.Fit(kind, t, y);
            if (full is null) continue;
            if (error < chosenError) { other = chosen; (chosen, chosenError) = (full, error); }
            else other = full;
        }
        if (chosen is null) return null;

        var predicted = chosen.At(atStep);
        var fitted = t.Select(chosen.At).ToArray();
        var residuals = y.Select((v, i) => v - fitted[i]).ToArray();
        // A fixed generator: the same data gives the same band.
        var random = new Random(19);
        var draws = new List<double>(resamples);
        var resampled = new double[y.Length];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < y.Length; i++) resampled[i] = fitted[i] + residuals[random.Next(residuals.Length)];
            if (CurveModel.Fit(chosen.Kind, t, resampled) is { } m && double.IsFinite(m.At(atStep))) draws.Add(m.At(atStep));
        }
        draws.Sort();
        var low = draws.Count > 0 ? draws[(int)(0.05 * (draws.Count - 1))] : predicted;
        var high = draws.Count > 0 ? draws[(int)Math.Ceiling(0.95 * (draws.Count - 1))] : predicted;
        if (other is not null && double.IsFinite(other.At(atStep)))
        {
            low = Math.Min(low, other.At(atStep));
            high = Math.Max(high, other.At(atStep));
        }
        // The held-out error is how far the family missed the last part of the curve it had not seen: the band is at
        // least that wide around the prediction.
        low = Math.Min(low, predicted - chosenError);
        high = Math.Max(high, predicted + chosenError);
        if (y.All(v => v >= 0)) low = Math.Max(low, 0); // a loss that was never negative does not forecast below 0
        return new LossForecast(atStep, predicted, low, high, chosen, other, steps.Length, chosenError);
    }

    /// <summary>Finite points only, as doubles, averaged into at most <see cref="MaxFitPoints"/> consecutive buckets.</summary>
    private static (double[] T, double[] Y) Prepare(long[] steps, double[] values)
    {
        var t = new List<double>(steps.Length);
        var y = new List<double>(steps.Length);
        for (var i = 0; i < steps.Length; i++)
        {
            if (double.IsFinite(values[i])) { t.Add(steps[i]); y.Add(values[i]); }
        }
        if (t.Count <= MaxFitPoints) return (t.ToArray(), y.ToArray());
        var bt = new double[MaxFitPoints];
        var by = new double[MaxFitPoints];
        for (var b = 0; b < MaxFitPoints; b++)
        {
            int from = (int)((long)b * t.Count / MaxFitPoints), to = (int)((long)(b + 1) * t.Count / MaxFitPoints);
            double st = 0, sy = 0;
            for (var i = from; i < to; i++) { st += t[i]; sy += y[i]; }
            bt[b] = st / (to - from);
            by[b] = sy / (to - from);
        }
        return (bt, by);
    }
}

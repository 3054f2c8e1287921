namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>Where a loss curve is heading at a later step, with a band, and the model that says so.</summary>
public sealed record LossForecast(long AtStep, double Predicted, double Low, double High, CurveModel Model, CurveModel? Other, int Points, double HoldoutError)
{
    /// <summary>The refits to resampled residuals: the band at any step is their spread there.</summary>
    public IReadOnlyList<CurveModel> Resampled { get; init; } = [];

    /// <summary>True when every fitted value was non-negative (a loss): the band does not go below 0.</summary>
    public bool NonNegative { get; init; }

    /// <summary>Prediction and band at any step, as <see cref="Low"/>/<see cref="High"/> are at <see cref="AtStep"/>.</summary>
    public (double Predicted, double Low, double High) At(long step) => Band(Model, Other, Resampled, HoldoutError, NonNegative, step);

    private static (double, double, double) Band(CurveModel model, CurveModel? other, IReadOnlyList<CurveModel> resampled, double holdoutError, bool nonNegative, long step)
    {
        var predicted = model.At(step);
        var draws = resampled.Select(m => m.At(step)).Where(double.IsFinite).Order().ToList();
        var low = draws.Count > 0 ? draws[(int)(0.05 * (draws.Count - 1))] : predicted;
        var high = draws.Count > 0 ? draws[(int)Math.Ceiling(0.95 * (draws.Count - 1))] : predicted;
        if (other is not null && double.IsFinite(other.At(step)))
        {
            low = Math.Min(low, other.At(step));
            high = Math.Max(high, other.At(step));
        }
        // The held-out error is how far the family missed the last part of the curve it had not seen: the band is at
        // least that wide around the prediction.
        low = Math.Min(low, predicted - holdoutError);
        high = Math.Max(high, predicted + holdoutError);
        if (nonNegative) low = Math.Max(low, 0); // a loss that was never negative does not forecast below 0
        return (predicted, low, high);
    }

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

        var fitted = t.Select(chosen.At).ToArray();
        var residuals = y.Select((v, i) => v - fitted[i]).ToArray();
        // A fixed generator: the same data gives the same band.
        var random = new Random(19);
        var models = new List<CurveModel>(resamples);
        var resampled = new double[y.Length];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < y.Length; i++) resampled[i] = fitted[i] + residuals[random.Next(residuals.Length)];
            if (CurveModel.Fit(chosen.Kind, t, resampled) is { } m) models.Add(m);
        }
        var nonNegative = y.All(v => v >= 0);
        var (predicted, low, high) = Band(chosen, other, models, chosenError, nonNegative, atStep);
        return new LossForecast(atStep, predicted, low, high, chosen, other, steps.Length, chosenError) { Resampled = models, NonNegative = nonNegative };
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

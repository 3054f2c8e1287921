namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>Where a loss curve is heading at a later step, with a band, and the model that says so.</summary>
public sealed record LossForecast(long AtStep, double Predicted, double Low, double High, CurveModel Model, CurveModel? Other, int Points, double HoldoutError)
{
    /// <summary>The refits to resampled residuals: the band at any step is their spread there.</summary>
    public IReadOnlyList<CurveModel> Resampled { get; init; } = [];

    /// <summary>True when every fitted value was non-negative (a loss): the band does not go below 0.</summary>
    public bool NonNegative { get; init; }

    /// <summary>
    /// How far this curve's own shorter prefixes missed its last fitted value, relative to that value, per e-fold of
    /// extrapolation (the natural log of the step reached over the last step fitted): the calibration of the band.
    /// </summary>
    public double MissPerEFold { get; init; }

    /// <summary>The last step of the points the forecast was fitted on.</summary>
    public double LastFitStep { get; init; }

    /// <summary>Prediction and band at any step, as <see cref="Low"/>/<see cref="High"/> are at <see cref="AtStep"/>.</summary>
    public (double Predicted, double Low, double High) At(long step) => Band(Model, Other, Resampled, HoldoutError, NonNegative, MissPerEFold, LastFitStep, step);

    private static (double, double, double) Band(CurveModel model, CurveModel? other, IReadOnlyList<CurveModel> resampled, double holdoutError, bool nonNegative,
        double missPerEFold, double lastFitStep, long step)
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
        // A fit misses more the further it reaches: as far, relative to the value, as the curve's own prefixes missed
        // per e-fold of reach, times the e-folds from the last fitted step to this one.
        if (step > lastFitStep && lastFitStep >= 1)
        {
            var reach = missPerEFold * Math.Log(step / lastFitStep) * Math.Abs(predicted);
            low = Math.Min(low, predicted - reach);
            high = Math.Max(high, predicted + reach);
        }
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
        var miss = MissOfPrefixes(chosen.Kind, t, y);
        var (predicted, low, high) = Band(chosen, other, models, chosenError, nonNegative, miss, t[^1], atStep);
        return new LossForecast(atStep, predicted, low, high, chosen, other, steps.Length, chosenError)
        {
            Resampled = models, NonNegative = nonNegative, MissPerEFold = miss, LastFitStep = t[^1],
        };
    }

    /// <summary>Shares of the fitted steps at which the curve's own prefixes are cut to measure how far a fit misses.</summary>
    private static readonly double[] PrefixShares = [0.4, 0.5, 0.6, 0.7, 0.8];

    /// <summary>
    /// When the curve is too short to cut prefixes from (fewer than <see cref="MinPrefixPoints"/> points before a cut),
    /// the miss assumed per e-fold of reach: about what prefixes of the measured real curves show.
    /// </summary>
    public const double DefaultMissPerEFold = 0.2;

    private const int MinPrefixPoints = 5;

    /// <summary>
    /// The largest miss of fits on the curve's own prefixes (cut at 40…80 % of its steps) at its last point, relative to
    /// the value there (the mean of the last three, so one noisy point does not count as a miss) and per e-fold of reach.
    /// </summary>
    private static double MissOfPrefixes(string kind, double[] t, double[] y)
    {
        var end = y.TakeLast(3).Average();
        if (end == 0 || t[^1] < 1) return DefaultMissPerEFold;
        double worst = 0;
        var measured = 0;
        foreach (var share in PrefixShares)
        {
            var cut = t[0] + share * (t[^1] - t[0]);
            var m = t.Count(v => v <= cut);
            if (m < MinPrefixPoints || m > t.Length - 3) continue;
            var reach = Math.Log(t[^1] / Math.Max(t[m - 1], 1));
            if (reach < 0.05 || CurveModel.Fit(kind, t.AsSpan(0, m), y.AsSpan(0, m)) is not { } prefix) continue;
            worst = Math.Max(worst, Math.Abs(prefix.At(t[^1]) - end) / Math.Abs(end) / reach);
            measured++;
        }
        return measured == 0 ? DefaultMissPerEFold : worst;
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

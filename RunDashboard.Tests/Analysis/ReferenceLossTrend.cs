using System.Globalization;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>
/// The loss-trend rule as it was before the sliding median: every divergence window sorted afresh, every spike
/// neighbourhood sorted with LINQ. Kept verbatim as the reference the faster rule must agree with.
/// </summary>
internal static class ReferenceLossTrend
{
    private static string N(double v) => HealthChecks.N(v);
    private static string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static Dictionary<string, string> Ev(params (string K, object V)[] items) =>
        items.ToDictionary(i => i.K, i => i.V switch { double d => N(d), _ => Convert.ToString(i.V, CultureInfo.InvariantCulture) ?? "" });

    private static double? LastFinite(double[] v)
    {
        for (var i = v.Length - 1; i >= 0; i--) if (double.IsFinite(v[i])) return v[i];
        return null;
    }

    public static IEnumerable<Finding> LossTrend(RunData data, string key, HealthOptions o)
    {
        if (data.Get(key) is not { } s) yield break;
        var finite = Enumerable.Range(0, s.Count).Where(i => double.IsFinite(s.Values[i])).ToList();
        if (finite.Count >= o.MinPointsForTrend)
        {
            var windowStart = finite[(int)(finite.Count * (1 - o.FlatWindow))];
            var startValue = s.Values[windowStart];
            var end = s.Values[finite[^1]];
            var bestInWindow = finite.Where(i => i >= windowStart).Min(i => s.Values[i]);
            var improvement = (startValue - bestInWindow) / Math.Abs(startValue);
            if (improvement < o.FlatTolerance && end >= startValue * (1 - o.FlatTolerance))
            {
                yield return new Finding("flat-loss", Severity.Warning,
                    $"{key} is flat: no improvement since step {s.Steps[windowStart]} ({N(startValue)} → {N(end)}).", s.Steps[windowStart], key)
                {
                    Evidence = Ev(("from step", s.Steps[windowStart]), ("value then", startValue), ("last", end), ("best since", bestInWindow), ("tolerance", P(o.FlatTolerance))),
                    Why = "A loss that stopped moving usually means a learning rate of zero, frozen weights or a broken schedule.",
                };
            }
            if (Divergence(s, finite, key, o) is { } divergence) yield return divergence;
            var spikes = 0;
            for (var k = 0; k < finite.Count && spikes < 10; k++)
            {
                var lo = Math.Max(0, k - o.SpikeWindow);
                var hi = Math.Min(finite.Count, k + o.SpikeWindow + 1);
                var neighbours = Enumerable.Range(lo, hi - lo).Where(j => j != k).Select(j => s.Values[finite[j]]).Order().ToList();
                if (neighbours.Count < 4 || k - lo < o.SpikeMinEarlierPoints) continue;
                var median = neighbours[neighbours.Count / 2];
                var value = s.Values[finite[k]];
                // Rising above everything logged just before is what makes a spike; the first steps of a run start
                // high and only come down.
                var earlierMax = Enumerable.Range(lo, k - lo).Max(j => s.Values[finite[j]]);
                if (median > 0 && value > median * o.SpikeFactor && value > earlierMax)
                {
                    spikes++;
                    var step = s.Steps[finite[k]];
                    var previousStep = k > 0 ? s.Steps[finite[k - 1]] : (long?)null;
                    yield return SpikeForensics.Describe(data, key, step, previousStep, value, median);
                }
            }
        }
        if (key == MetricKeys.EvalLoss && data.Get(MetricKeys.TrainLoss) is { } train && LastFinite(train.Values) is { } t && t > 0 && LastFinite(s.Values) is { } e)
        {
            var ratio = e / t;
            if (ratio > o.MaxEvalTrainRatio)
            {
                yield return new Finding("eval-train-ratio", Severity.Warning,
                    $"Eval loss is {ratio.ToString("0.0", CultureInfo.InvariantCulture)}× train loss ({N(e)} vs {N(t)}); a healthy ratio is about 1.1–1.5×.", s.Steps[^1], key)
                {
                    Evidence = Ev(("eval", e), ("train", t), ("ratio", ratio), ("flagged above", o.MaxEvalTrainRatio)),
                    Why = "Either the two are computed differently (per token vs per batch, partial vs total) or the model does not generalise at all.",
                };
            }
        }
    }

    /// <summary>
    /// A sustained rise: the median of the last points against the best median of as many consecutive points, so a
    /// noisy tail around a lucky minimum is not divergence. Explosive rises and rises into NaN/Inf are errors.
    /// </summary>
    private static Finding? Divergence(MetricSeries s, List<int> finite, string key, HealthOptions o)
    {
        var w = Math.Max(3, (int)Math.Ceiling(finite.Count * o.DivergenceWindow));
        if (finite.Count < w + 1) return null;
        double MedianEnding(int k) => Enumerable.Range(k - w + 1, w).Select(j => s.Values[finite[j]]).Order().ElementAt(w / 2);
        var bestK = w - 1;
        var best = MedianEnding(bestK);
        for (var k = w; k < finite.Count; k++)
        {
            var m = MedianEnding(k);
            if (m < best) (best, bestK) = (m, k);
        }
        var end = MedianEnding(finite.Count - 1);
        if (best <= 0 || bestK == finite.Count - 1 || end <= best * (1 + o.DivergenceRatio)) return null;
        var start = MedianEnding(w - 1);
        if (start > best && end - best < o.DivergenceNegligibleRise * (start - best)) return null;
        var bestStep = s.Steps[finite[bestK - w / 2]];
        var nonFiniteAfter = Enumerable.Range(0, s.Count).FirstOrDefault(i => s.Steps[i] > bestStep && !double.IsFinite(s.Values[i]), -1);
        var explosive = end >= best * o.ExplosiveRatio || nonFiniteAfter >= 0;
        var ratio = end / best;
        return new Finding("divergence", explosive ? Severity.Error : Severity.Warning,
            explosive
                ? $"{key} is diverging: the median of its last {w} points is {N(end)}, {N(ratio)}× its best of {N(best)} around step {bestStep}{(nonFiniteAfter >= 0 ? $", and it turns non-finite at step {s.Steps[nonFiniteAfter]}" : "")}."
                : $"{key} has risen for its last {w} points: their median is {N(end)}, {N(ratio)}× its best of {N(best)} around step {bestStep}.",
            bestStep, key)
        {
            Evidence = Ev(("best median", best), ("best step", bestStep), ("last median", end), ("ratio", ratio), ("points per median", w),
                ("warning above", 1 + o.DivergenceRatio), ("error at", o.ExplosiveRatio), ("non-finite after best", nonFiniteAfter >= 0 ? (object)s.Steps[nonFiniteAfter] : "none")),
            Why = explosive
                ? "The run is blowing up; lower the learning rate or resume from the best checkpoint."
                : "A loss that stays above its best for the last part of the run is getting worse, not just noisy; keep the best checkpoint and consider a lower learning rate.",
        };
    }
}

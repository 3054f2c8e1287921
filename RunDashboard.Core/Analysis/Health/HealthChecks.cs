using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis.Health;

/// <summary>What the rules look at: a run, the series they need (already read), and the time now.</summary>
public sealed record RunData(Run Run, IReadOnlyDictionary<string, MetricSeries> Series, DateTime Now)
{
    public MetricSeries? Get(string key) => Series.TryGetValue(key, out var s) && s.Count > 0 ? s : null;
}

/// <summary>
/// The diagnoses of the seeds, computed: pure functions from a run's data to findings. Each rule says what,
/// where, the numbers, and why it matters; thresholds are in <see cref="HealthOptions"/>.
/// </summary>
public static class HealthChecks
{
    public static IReadOnlyList<Finding> Run(RunData data, HealthOptions o)
    {
        var findings = new List<Finding>();
        findings.AddRange(FinalMetrics(data, o));
        findings.AddRange(NonFinite(data));
        findings.AddRange(LearningRate(data, o));
        findings.AddRange(LossTrend(data, MetricKeys.TrainLoss, o));
        findings.AddRange(LossTrend(data, MetricKeys.EvalLoss, o));
        findings.AddRange(Components(data, o));
        findings.AddRange(Preference(data, o));
        findings.AddRange(LikelihoodDisplacement.Check(data, o));
        findings.AddRange(DataQuality(data, o));
        return findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Step ?? long.MaxValue).ToList();
    }

    internal static string N(double v) => v.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
    private static string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static Dictionary<string, string> Ev(params (string K, object V)[] items) =>
        items.ToDictionary(i => i.K, i => i.V switch { double d => N(d), _ => Convert.ToString(i.V, CultureInfo.InvariantCulture) ?? "" });

    // 1. Where the run ended, and whether it generalises.
    public static IEnumerable<Finding> FinalMetrics(RunData data, HealthOptions o)
    {
        var final = Analysis.FinalMetrics.Of(data.Run);
        if (final.TrainLoss is { } train && final.EvalLoss is { } eval && final.RelativeGap is { } rel)
        {
            var (severity, verdict) = rel < o.GoodGap ? (Severity.Info, "good generalisation")
                : rel > o.OverfitGap ? (Severity.Warning, "significant overfitting")
                : (Severity.Info, "moderate gap");
            yield return new Finding("final-metrics", severity,
                $"Final train loss {N(train)}, val loss {N(eval)}: gap {N(eval - train)} ({P(rel)} of train) — {verdict}.", final.Steps, MetricKeys.EvalLoss)
            {
                Evidence = Ev(("train", train), ("val", eval), ("gap", eval - train), ("relative gap", P(rel)), ("good below", P(o.GoodGap)), ("overfitting above", P(o.OverfitGap))),
                Why = "The gap between validation and training loss is how much of what the model learned does not carry over to unseen data.",
            };
        }

        var evalSeries = data.Get(MetricKeys.EvalLoss);
        var trainSeries = data.Get(MetricKeys.TrainLoss);
        if (evalSeries is { Count: >= 3 } && trainSeries is { Count: >= 3 })
        {
            var best = ArgMinFinite(evalSeries.Values);
            var last = LastFinite(evalSeries.Values);
            if (best >= 0 && best < evalSeries.Count - 1 && last is { } lastEval && lastEval > evalSeries.Values[best] * (1 + o.EvalRise))
            {
                var bestStep = evalSeries.Steps[best];
                var trainAtBest = ValueAt(trainSeries, bestStep);
                var trainLast = LastFinite(trainSeries.Values);
                if (trainAtBest is { } tb && trainLast is { } tl && tl < tb)
                {
                    yield return new Finding("overfitting-begins", Severity.Warning,
                        $"Overfitting begins at step {bestStep}: val loss rose from {N(evalSeries.Values[best])} to {N(lastEval)} while train loss fell from {N(tb)} to {N(tl)}.",
                        bestStep, MetricKeys.EvalLoss)
                    {
                        Evidence = Ev(("best val step", bestStep), ("best val", evalSeries.Values[best]), ("last val", lastEval), ("train at best", tb), ("last train", tl)),
                        Why = "The checkpoint at the best validation loss is the one to keep; training past it memorises the training set.",
                    };
                }
            }
        }
    }

    // 2. NaN/Inf points and the warnings the log printed (a distillation log clamped a NaN lm_loss to zero and went on).
    public static IEnumerable<Finding> NonFinite(RunData data)
    {
        foreach (var metric in data.Run.Metrics.Where(m => m.NonFinite > 0))
        {
            var steps = data.Get(metric.Key) is { } s ? s.Steps.Where((_, i) => !double.IsFinite(s.Values[i])).Take(10).ToList() : [];
            var first = steps.Count > 0 ? steps[0] : (long?)null;
            yield return new Finding("non-finite", metric.Key is MetricKeys.TrainLoss or MetricKeys.EvalLoss ? Severity.Error : Severity.Warning,
                $"{metric.Key} has {metric.NonFinite} non-finite value{(metric.NonFinite == 1 ? "" : "s")}{(first is null ? "" : $", first at step {first}")}.", first, metric.Key)
            {
                Evidence = Ev(("count", metric.NonFinite), ("steps", string.Join(", ", steps))),
                Why = "A NaN or Inf in a loss means the update at that step was garbage; clamping it hides the cause.",
            };
        }
        var warnings = data.Run.Events.Where(e => e.Kind == RunEvent.Warning).ToList();
        foreach (var w in warnings.Take(20))
        {
            yield return new Finding("log-warning", Severity.Warning, $"The log warned at step {w.Step}: {w.Message}", w.Step, MetricKeys.TrainLoss)
            {
                Evidence = Ev(("line", w.Line), ("total warnings", warnings.Count)),
                Why = "The trainer itself noticed something wrong at this step.",
            };
        }
    }

    // 3. The schedule: warmup, shape, final ratio, and zeros that are only display precision (lr=0.00e+00 printed for 7.96e-06).
    public static IEnumerable<Finding> LearningRate(RunData data, HealthOptions o)
    {
        if (data.Get(MetricKeys.LearningRate) is not { Count: >= 3 } lr) yield break;
        var v = lr.Values;
        var peakIndex = ArgMaxFinite(v);
        if (peakIndex < 0) yield break;
        var peak = v[peakIndex];
        var lastValue = LastFinite(v) ?? double.NaN;
        var zeros = Enumerable.Range(0, v.Length).Where(i => v[i] == 0).ToList();
        var nonZero = v.Where(x => double.IsFinite(x) && x != 0).ToList();

        if (nonZero.Count == 0)
        {
            foreach (var f in AllZero(data, lr, o)) yield return f;
            yield break;
        }

        var lastNonZeroIndex = Enumerable.Range(0, v.Length).Last(i => double.IsFinite(v[i]) && v[i] != 0);
        // Zeros only after the last non-zero value, which was already a small part of the peak: the schedule decayed to
        // (or below the printed precision of) 0 at the end, as cosine and linear schedules with a final rate of 0 do.
        var endOfDecay = zeros.Count > 0 && zeros[0] > lastNonZeroIndex && v[lastNonZeroIndex] <= peak * o.LrEndOfDecayShare;
        if (zeros.Count > 0 && !endOfDecay)
        {
            var i = zeros[0];
            var implied = Implied(lr, i);
            yield return new Finding("lr-display-precision", Severity.Warning,
                $"The learning rate was logged as 0 at {zeros.Count} step{(zeros.Count == 1 ? "" : "s")} (first {lr.Steps[i]}) while the schedule around it is non-zero{(implied is { } x ? $" (about {x.ToString("0.00e+00", CultureInfo.InvariantCulture)})" : "")}: the log prints too few digits.",
                lr.Steps[i], MetricKeys.LearningRate)
            {
                Evidence = Ev(("zero steps", string.Join(", ", zeros.Take(10).Select(z => lr.Steps[z]))), ("implied", implied is { } y ? y.ToString("0.00e+00", CultureInfo.InvariantCulture) : "unknown"), ("peak", peak)),
                Why = "A printed 0.00e+00 looks like a dead optimizer; the model is in fact updating (hours are lost to this).",
            };
        }
        var zeroTail = endOfDecay
            ? $" It is printed as 0 for {(zeros.Count == 1 ? "the last logged step" : $"the last {zeros.Count} logged steps")} (from step {lr.Steps[zeros[0]]}): the decay reached 0 or the printed precision."
            : "";

        var warmupSteps = peakIndex > 0 && v[0] < peak * 0.9 ? lr.Steps[peakIndex] - lr.Steps[0] : 0;
        if (warmupSteps > 0 && peakIndex >= v.Length - 2)
        {
            // The log ends while the rate still rises: there is no decay to describe yet.
            yield return new Finding("lr-schedule", Severity.Info,
                $"Learning rate is still warming up: {N(FirstFinite(v) ?? 0)} → {N(peak)} over {warmupSteps} steps, no peak reached yet.",
                lr.Steps[peakIndex], MetricKeys.LearningRate)
            {
                Evidence = Ev(("first", FirstFinite(v) ?? 0), ("last", peak), ("steps", warmupSteps), ("warmup steps in config", data.Run.FindHyperparameter("warmup_steps") ?? "unknown")),
                Why = "During warmup the loss falls slowly by design; judge the run after the warmup ends.",
            };
            yield break;
        }
        var after = v.Skip(peakIndex).Where(double.IsFinite).ToArray();
        string shape;
        if ((after.Max() - after.Min()) / peak < o.ConstantLrTolerance) shape = "constant";
        else
        {
            var min = after.Min();
            double Rmse(Func<double, double> f) => Math.Sqrt(after.Select((x, k) => Math.Pow(x - f(after.Length == 1 ? 1 : (double)k / (after.Length - 1)), 2)).Average());
            var cosine = Rmse(t => min + (peak - min) * (1 + Math.Cos(Math.PI * t)) / 2);
            var linear = Rmse(t => peak - (peak - min) * t);
            shape = cosine <= linear ? "cosine decay" : "linear decay";
        }
        var ratio = lastValue / peak;
        yield return new Finding("lr-schedule", Severity.Info,
            $"Learning rate: {(warmupSteps > 0 ? $"{warmupSteps}-step warmup, then " : "")}{shape}, {N(peak)} → {N(lastValue)} (final ratio {ratio.ToString("0.000", CultureInfo.InvariantCulture)}).{zeroTail}",
            lr.Steps[peakIndex], MetricKeys.LearningRate)
        {
            Evidence = Ev(("peak", peak), ("peak step", lr.Steps[peakIndex]), ("final", lastValue), ("final ratio", ratio), ("warmup steps", warmupSteps), ("shape", shape)),
            Why = "The schedule explains the shape of the loss curve: a warmup that never ends or a decay to zero stalls training.",
        };
    }

    /// <summary>Every logged rate is 0: either the log rounds it away (the loss falls, so the optimizer updates) or nothing trains.</summary>
    private static IEnumerable<Finding> AllZero(RunData data, MetricSeries lr, HealthOptions o)
    {
        var configured = RunSettings.ConfiguredSchedule(data.Run);
        var schedule = configured is null ? "The settings uploaded with the run do not state the schedule." : $"Configured schedule: {configured}.";
        var loss = data.Get(MetricKeys.TrainLoss);
        var first = loss is null ? null : EdgeMedian(loss.Values, fromEnd: false);
        var last = loss is null ? null : EdgeMedian(loss.Values, fromEnd: true);
        if (first is not { } f || last is not { } l || f == 0)
        {
            yield return new Finding("lr-schedule", Severity.Info, $"The learning rate is logged as 0 at all {lr.Count} steps. {schedule}", lr.Steps[0], MetricKeys.LearningRate)
            {
                Evidence = Ev(("logged steps", lr.Count), ("configured", configured ?? "unknown")),
                Why = "Without a loss to compare, a rate printed as 0 cannot be told from one that is 0.",
            };
            yield break;
        }
        var drop = (f - l) / Math.Abs(f);
        if (drop > o.LrZeroLossDrop)
        {
            yield return new Finding("lr-display-precision", Severity.Warning,
                $"The learning rate is printed as 0 at all {lr.Count} logged steps while train loss fell from {N(f)} to {N(l)}: the log prints the rate with too few digits, so its schedule cannot be read from the log. {schedule}",
                lr.Steps[0], MetricKeys.LearningRate)
            {
                Evidence = Ev(("logged steps", lr.Count), ("printed value", "0 at every step"), ("train loss first", f), ("train loss last", l), ("loss drop", P(drop)), ("configured", configured ?? "unknown")),
                Why = "A loss that falls needs non-zero updates: the rate is smaller than the format prints (e.g. lr=0.00e+00 for 4e-07), not zero.",
            };
        }
        else
        {
            yield return new Finding("lr-zero", Severity.Warning,
                $"The learning rate is 0 at all {lr.Count} logged steps and train loss did not fall ({N(f)} → {N(l)}): the optimizer may not be updating. {schedule}",
                lr.Steps[0], MetricKeys.LearningRate)
            {
                Evidence = Ev(("logged steps", lr.Count), ("train loss first", f), ("train loss last", l), ("loss drop", P(drop)), ("falling means above", P(o.LrZeroLossDrop)), ("configured", configured ?? "unknown")),
                Why = "A rate of 0 (a warmup that never starts, a schedule with a total of 0 steps) leaves the weights unchanged.",
            };
        }
    }

    /// <summary>Median of the first (or last) three finite values: one noisy point does not decide a trend.</summary>
    private static double? EdgeMedian(double[] values, bool fromEnd)
    {
        var finite = values.Where(double.IsFinite);
        var edge = (fromEnd ? finite.Reverse() : finite).Take(3).Order().ToList();
        return edge.Count == 0 ? null : edge[edge.Count / 2];
    }

    private static double? Implied(MetricSeries s, int i)
    {
        int before = i - 1, after = i + 1;
        while (before >= 0 && !(double.IsFinite(s.Values[before]) && s.Values[before] != 0)) before--;
        while (after < s.Count && !(double.IsFinite(s.Values[after]) && s.Values[after] != 0)) after++;
        if (before >= 0 && after < s.Count)
        {
            var f = (double)(s.Steps[i] - s.Steps[before]) / (s.Steps[after] - s.Steps[before]);
            return s.Values[before] + (s.Values[after] - s.Values[before]) * f;
        }
        return before >= 0 ? s.Values[before] : after < s.Count ? s.Values[after] : null;
    }

    // 4. Flat, diverging, spiking; and eval far from train (a distillation run's eval loss was 6.2× its train loss).
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
            // One buffer for every point's neighbours; the cheap test (above every earlier neighbour) goes first,
            // so only the few points that pass it sort their neighbourhood.
            var neighbours = new double[2 * Math.Max(0, o.SpikeWindow)];
            for (var k = 0; k < finite.Count && spikes < 10; k++)
            {
                var lo = Math.Max(0, k - o.SpikeWindow);
                var hi = Math.Min(finite.Count, k + o.SpikeWindow + 1);
                var count = hi - lo - 1;
                if (count < 4 || k - lo < o.SpikeMinEarlierPoints) continue;
                var value = s.Values[finite[k]];
                // Rising above everything logged just before is what makes a spike; the first steps of a run start
                // high and only come down.
                var earlierMax = double.NegativeInfinity;
                for (var j = lo; j < k; j++) earlierMax = Math.Max(earlierMax, s.Values[finite[j]]);
                if (!(value > earlierMax)) continue;
                var n = 0;
                for (var j = lo; j < hi; j++) if (j != k) neighbours[n++] = s.Values[finite[j]];
                Array.Sort(neighbours, 0, n);
                var median = neighbours[n / 2];
                if (median > 0 && value > median * o.SpikeFactor)
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
        var values = new double[finite.Count];
        for (var j = 0; j < values.Length; j++) values[j] = s.Values[finite[j]];
        // medians[k - w + 1] is the median of the w finite points ending at the k-th.
        var medians = SlidingMedian.Of(values, w);
        var bestK = w - 1;
        var best = medians[0];
        for (var k = w; k < finite.Count; k++)
        {
            var m = medians[k - w + 1];
            if (m < best) (best, bestK) = (m, k);
        }
        var end = medians[^1];
        if (best <= 0 || bestK == finite.Count - 1 || end <= best * (1 + o.DivergenceRatio)) return null;
        if (medians[0] > best && end - best < o.DivergenceNegligibleRise * (medians[0] - best)) return null;
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

    // 5. Loss components against their configured weights (a run configured 70/10/10 measured 15.5/43/0.5).
    public static IEnumerable<Finding> Components(RunData data, HealthOptions o)
    {
        foreach (var total in new[] { MetricKeys.EvalLoss, MetricKeys.TrainLoss })
        {
            if (data.Get(total) is not { } totalSeries) continue;
            var parts = data.Series.Keys.Where(k => k.StartsWith(total + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (parts.Count == 0) continue;
            var lastIndex = Enumerable.Range(0, totalSeries.Count).Reverse().FirstOrDefault(i => double.IsFinite(totalSeries.Values[i]) && parts.All(p => ValueAt(data.Series[p], totalSeries.Steps[i]) is not null), -1);
            if (lastIndex < 0) continue;
            var step = totalSeries.Steps[lastIndex];
            var t = totalSeries.Values[lastIndex];
            var values = parts.ToDictionary(p => p[(total.Length + 1)..], p => ValueAt(data.Series[p], step)!.Value);
            var sum = values.Values.Sum();
            var unexplained = (t - sum) / t;
            if (Math.Abs(unexplained) > o.UnexplainedShare)
            {
                yield return new Finding("components-sum", Severity.Warning,
                    $"At step {step} the components of {total} add up to {N(sum)} of {N(t)}: {P(unexplained)} is unexplained.", step, total)
                {
                    Evidence = new Dictionary<string, string>(values.ToDictionary(kv => kv.Key, kv => N(kv.Value))) { ["total"] = N(t), ["unexplained"] = P(unexplained) },
                    Why = "A total that its parts do not explain hides a term: an unlogged loss, or a weighting applied to some parts only.",
                };
            }
            var weights = values.Keys.Select(k => (k, w: Weight(data.Run, k))).Where(x => x.w is not null).ToDictionary(x => x.k, x => x.w!.Value);
            if (weights.Count > 0)
            {
                var weightSum = weights.Values.Sum();
                foreach (var (name, weight) in weights)
                {
                    var share = values[name] / t;
                    var expected = weight; // alphas are read as the intended share of the total (that is how people read alpha_* weights)
                    if (expected <= 0) continue;
                    var factor = share / expected;
                    if (factor > o.ComponentWeightFactor || factor < 1 / o.ComponentWeightFactor)
                    {
                        yield return new Finding("component-weight", Severity.Warning,
                            $"{name} is {P(share)} of {total} at step {step}, but its config weight is {P(expected)} ({factor.ToString("0.00", CultureInfo.InvariantCulture)}×).", step, $"{total}/{name}")
                        {
                            Evidence = Ev(("share", P(share)), ("weight", P(expected)), ("factor", factor), ("weights sum", weightSum)),
                            Why = "The optimizer follows the raw magnitudes: a component far above its weight dominates what the model learns.",
                        };
                    }
                }
            }
            foreach (var p in parts)
            {
                var series = data.Series[p];
                var first = FirstFinite(series.Values);
                var last = LastFinite(series.Values);
                var totalFirst = FirstFinite(totalSeries.Values);
                if (series.Count < 2 || first is not { } f || last is not { } l || totalFirst is not { } tf || f == 0) continue;
                if (Math.Abs(l - f) / Math.Abs(f) < o.StalledComponent && t < tf)
                {
                    yield return new Finding("component-stalled", Severity.Info,
                        $"{p} is not improving ({N(f)} → {N(l)}) while {total} fell ({N(tf)} → {N(t)}).", series.Steps[^1], p)
                    {
                        Evidence = Ev(("first", f), ("last", l), ("total first", tf), ("total last", t)),
                        Why = "A part that does not move gets no useful gradient: check its weight and normalisation.",
                    };
                }
            }
        }
    }

    private static double? Weight(Run run, string component)
    {
        foreach (var key in new[] { $"alpha_{component}", $"{component}_weight", $"weight_{component}", $"lambda_{component}" })
        {
            var value = run.FindHyperparameter(key) ?? run.Hyperparameters.Find(h => h.Key.EndsWith("." + key, StringComparison.Ordinal))?.Value;
            if (value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var w)) return w;
        }
        return null;
    }

    // 6. DPO/KTO: margins should rise, chosen rise, rejected fall (falling margins or rising rejected rewards are the warning signs).
    public static IEnumerable<Finding> Preference(RunData data, HealthOptions o)
    {
        if (data.Get(MetricKeys.RewardsMargins) is { Count: >= 3 } margins)
        {
            var slope = Slope(margins);
            var first = FirstFinite(margins.Values) ?? 0;
            var last = LastFinite(margins.Values) ?? 0;
            yield return slope < 0
                ? new Finding("preference-margin", Severity.Warning, $"Reward margin is falling ({N(first)} → {N(last)}): the model is not learning the preference.", margins.Steps[^1], MetricKeys.RewardsMargins)
                {
                    Evidence = Ev(("first", first), ("last", last), ("slope per 1k steps", slope * 1000)),
                    Why = "A decreasing margin means chosen and rejected answers are not being pulled apart.",
                }
                : new Finding("preference-margin", Severity.Info, $"Reward margin is rising ({N(first)} → {N(last)}).", margins.Steps[^1], MetricKeys.RewardsMargins)
                {
                    Evidence = Ev(("first", first), ("last", last), ("slope per 1k steps", slope * 1000)),
                };
        }
        if (data.Get(MetricKeys.RewardsChosen) is { Count: >= 3 } chosen && data.Get(MetricKeys.RewardsRejected) is { Count: >= 3 } rejected)
        {
            var c = Slope(chosen);
            var r = Slope(rejected);
            if (c < 0 && r >= 0)
            {
                yield return new Finding("preference-rewards", Severity.Warning, "Chosen rewards are falling while rejected rewards are not: preference is being learned backwards.", chosen.Steps[^1], MetricKeys.RewardsChosen)
                {
                    Evidence = Ev(("chosen slope per 1k", c * 1000), ("rejected slope per 1k", r * 1000)),
                    Why = "Chosen rewards should increase and rejected decrease.",
                };
            }
            else if (c < 0 && r < 0)
            {
                yield return new Finding("preference-rewards", Severity.Info, "Chosen and rejected rewards are both falling; the margin grows because rejected falls faster.", chosen.Steps[^1], MetricKeys.RewardsChosen)
                {
                    Evidence = Ev(("chosen slope per 1k", c * 1000), ("rejected slope per 1k", r * 1000)),
                    Why = "Both falling can mean the policy drifts away from the reference on all answers; watch the KL and the generations.",
                };
            }
        }
        if (data.Get(MetricKeys.RewardsAccuracies) is { } accuracy && LastFinite(accuracy.Values) is { } acc && acc < o.MinRewardAccuracy)
        {
            yield return new Finding("preference-accuracy", Severity.Warning, $"Reward accuracy ends at {P(acc)}, under {P(o.MinRewardAccuracy)}.", accuracy.Steps[^1], MetricKeys.RewardsAccuracies)
            {
                Evidence = Ev(("accuracy", acc)),
                Why = "Below chance the model prefers the rejected answers more often than not.",
            };
        }
    }

    // 7. Synced data that contradicts itself (W&B config keys that should agree, runtime 0, runs stuck running).
    public static IEnumerable<Finding> DataQuality(RunData data, HealthOptions o)
    {
        var run = data.Run;
        var pairs = o.AgreeingConfigKeys.Count > 0 ? o.AgreeingConfigKeys : HealthOptions.DefaultAgreeingConfigKeys;
        foreach (var pair in pairs.Where(p => p.Length == 2))
        {
            if (Number(run.FindHyperparameter(pair[0])) is { } a && Number(run.FindHyperparameter(pair[1])) is { } b && Math.Max(Math.Abs(a), Math.Abs(b)) > 0)
            {
                var diff = Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));
                if (diff > o.ConfigDivergence)
                {
                    yield return new Finding("config-divergence", Severity.Warning,
                        $"{pair[0]} = {N(a)} but {pair[1]} = {N(b)} ({N(Math.Max(a, b) / Math.Min(a, b))}× apart).")
                    {
                        Evidence = Ev((pair[0], a), (pair[1], b), ("ratio", Math.Max(a, b) / Math.Min(a, b))),
                        Why = "Two records of the same setting disagree: one of them (config or checkpoint metadata) is wrong.",
                    };
                }
            }
        }
        if (run.Source == RunSource.Wandb)
        {
            var runtime = run.Summary.Find(s => s.Key == "_runtime")?.Value;
            if (run.State == RunStates.Finished && (runtime is null || runtime == 0))
            {
                yield return new Finding("runtime-zero", Severity.Warning, "Finished run with a runtime of 0 (or none) in its summary.")
                {
                    Evidence = Ev(("runtime", runtime?.ToString(CultureInfo.InvariantCulture) ?? "missing")),
                    Why = "Runtime read from the wrong field is 0 for every run; durations and throughput derived from it are wrong.",
                };
            }
            if (run.State == RunStates.Running && run.Wandb?.HeartbeatAt is { } beat && data.Now - beat > o.StaleHeartbeat)
            {
                yield return new Finding("stale-running", Severity.Warning,
                    $"Marked running, but no heartbeat for {(data.Now - beat).TotalHours.ToString("0.0", CultureInfo.InvariantCulture)} h (last {beat:yyyy-MM-dd HH:mm} UTC).")
                {
                    Evidence = Ev(("heartbeat", beat.ToString("u", CultureInfo.InvariantCulture)), ("threshold", o.StaleHeartbeat.ToString())),
                    Why = "A run that died without reporting stays 'running' forever and skews completion rates.",
                };
            }
            if (run.Tags.Count == 0)
            {
                yield return new Finding("missing-tags", Severity.Info, "This W&B run has no tags.")
                {
                    Why = "Untagged runs fall out of every cohort; tags added later arrive with the next sync.",
                };
            }
        }
    }

    private static double? Number(string? text) =>
        text is not null && double.TryParse(text.Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static double Slope(MetricSeries s)
    {
        var points = Enumerable.Range(0, s.Count).Where(i => double.IsFinite(s.Values[i])).Select(i => ((double)s.Steps[i], s.Values[i])).ToList();
        if (points.Count < 2) return 0;
        var mx = points.Average(p => p.Item1);
        var my = points.Average(p => p.Item2);
        var den = points.Sum(p => (p.Item1 - mx) * (p.Item1 - mx));
        return den == 0 ? 0 : points.Sum(p => (p.Item1 - mx) * (p.Item2 - my)) / den;
    }

    private static double? ValueAt(MetricSeries s, long step)
    {
        var i = Array.BinarySearch(s.Steps, step);
        if (i < 0) i = ~i - 1;
        return i >= 0 && i < s.Count && double.IsFinite(s.Values[i]) ? s.Values[i] : null;
    }

    private static int ArgMinFinite(double[] v)
    {
        var best = -1;
        for (var i = 0; i < v.Length; i++) if (double.IsFinite(v[i]) && (best < 0 || v[i] < v[best])) best = i;
        return best;
    }

    private static int ArgMaxFinite(double[] v)
    {
        var best = -1;
        for (var i = 0; i < v.Length; i++) if (double.IsFinite(v[i]) && (best < 0 || v[i] > v[best])) best = i;
        return best;
    }

    private static double? LastFinite(double[] v)
    {
        for (var i = v.Length - 1; i >= 0; i--) if (double.IsFinite(v[i])) return v[i];
        return null;
    }

    private static double? FirstFinite(double[] v)
    {
        foreach (var x in v) if (double.IsFinite(x)) return x;
        return null;
    }
}

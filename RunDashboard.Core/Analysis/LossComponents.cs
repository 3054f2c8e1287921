namespace RunDashboard.Core.Analysis;

/// <summary>One bar series of a stacked loss-components chart.</summary>
public sealed record ComponentBars(string Name, long[] Steps, double[] Values);

public static class LossComponents
{
    public const string Other = "other";

    /// <summary>Part of the total the components may leave unexplained before "other" is drawn (rounding in the log).</summary>
    public const double Tolerance = 0.005;

    /// <summary>
    /// Splits the total loss at each step it was logged into its components (series named <c>total/part</c>) and
    /// what they leave unexplained. In one distillation run kd, feature and attention summed to 57 of an eval loss of 95.9 —
    /// the remainder is shown, not hidden. With <paramref name="share"/>, values are fractions of the total.
    /// </summary>
    public static IReadOnlyList<ComponentBars> Split(DownsampledSeries total, IReadOnlyList<DownsampledSeries> parts, bool share)
    {
        var steps = new List<long>();
        var columns = parts.Select(_ => new List<double>()).ToList();
        var other = new List<double>();
        for (var i = 0; i < total.Count; i++)
        {
            var t = total.Values[i];
            if (!double.IsFinite(t)) continue;
            var step = total.Steps[i];
            var values = parts.Select(p => ValueAt(p, step)).ToList();
            if (values.All(v => v is null)) continue;
            steps.Add(step);
            var sum = 0.0;
            for (var c = 0; c < parts.Count; c++)
            {
                var v = values[c] ?? 0;
                sum += v;
                columns[c].Add(share && t != 0 ? v / t : v);
            }
            var rest = t - sum;
            other.Add(share && t != 0 ? rest / t : rest);
        }
        var result = parts.Select((p, c) => new ComponentBars(p.Key[(p.Key.LastIndexOf('/') + 1)..], steps.ToArray(), columns[c].ToArray())).ToList();
        var needsOther = steps.Select((s, i) => Math.Abs(share ? other[i] : other[i] / Math.Max(Math.Abs(TotalAt(total, s)), double.Epsilon))).Any(r => r > Tolerance);
        if (needsOther) result.Add(new ComponentBars(Other, steps.ToArray(), other.ToArray()));
        return result;
    }

    private static double TotalAt(DownsampledSeries total, long step) => ValueAt(total, step) ?? double.NaN;

    private static double? ValueAt(DownsampledSeries s, long step)
    {
        var i = Array.BinarySearch(s.Steps, step);
        return i >= 0 && double.IsFinite(s.Values[i]) ? s.Values[i] : null;
    }
}

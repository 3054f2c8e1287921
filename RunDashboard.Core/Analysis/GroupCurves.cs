namespace RunDashboard.Core.Analysis;

/// <summary>How wide a group's band is drawn around its mean.</summary>
public enum BandKind
{
    /// <summary>From the lowest to the highest member at each x.</summary>
    MinMax,

    /// <summary>One sample standard deviation of the members either side of the mean.</summary>
    StdDev,
}

/// <summary>A group of runs as one line: the members' mean at each x, a band around it, and how many members were there.</summary>
public sealed record GroupCurve(IReadOnlyList<double> X, IReadOnlyList<double> Mean, IReadOnlyList<double> Lower, IReadOnlyList<double> Upper, IReadOnlyList<int> Members);

/// <summary>
/// The mean and band of several runs' curves. Members are aligned on the union of their x values, each member's value
/// at an x it did not log being interpolated linearly between its own neighbouring points. The union, not the
/// intersection: runs logged at different steps (eval every 100 or every 200 steps, or buckets of a downsampled read
/// whose edges fall differently per run) may share no x at all, and the union keeps every point a member really logged.
/// A member counts only inside its own x range: a run that stopped early is not extended flat to the others' end,
/// which would pull the mean towards its last value.
/// </summary>
public static class GroupCurves
{
    /// <summary>
    /// The group of curves each smoothed first (debiased EMA), so the band shows how far the smoothed runs spread,
    /// not the step-to-step noise: what the compare page and its preview draw.
    /// </summary>
    public static GroupCurve OfSmoothed(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> members, double smoothing, BandKind band) =>
        Of(smoothing > 0 ? members.Select(m => (m.X, (IReadOnlyList<double>)Smoothing.DebiasedEma(m.Y, smoothing))).ToList() : members, band);

    public static GroupCurve Of(IReadOnlyList<(IReadOnlyList<double> X, IReadOnlyList<double> Y)> members, BandKind band)
    {
        var clean = members.Select(m => Finite(m.X, m.Y)).Where(m => m.X.Length > 0).ToList();
        var xs = clean.SelectMany(m => m.X).Distinct().Order().ToArray();
        var mean = new double[xs.Length];
        var lower = new double[xs.Length];
        var upper = new double[xs.Length];
        var counts = new int[xs.Length];
        var at = new double[clean.Count];
        for (var i = 0; i < xs.Length; i++)
        {
            var n = 0;
            foreach (var m in clean)
            {
                if (ValueAt(m.X, m.Y, xs[i]) is { } v) at[n++] = v;
            }
            counts[i] = n;
            if (n == 0)
            {
                mean[i] = lower[i] = upper[i] = double.NaN;
                continue;
            }
            var values = at.AsSpan(0, n);
            var sum = 0.0;
            var min = double.PositiveInfinity;
            var max = double.NegativeInfinity;
            foreach (var v in values)
            {
                sum += v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
            var avg = sum / n;
            mean[i] = avg;
            if (band == BandKind.MinMax)
            {
                lower[i] = min;
                upper[i] = max;
            }
            else
            {
                var squares = 0.0;
                foreach (var v in values) squares += (v - avg) * (v - avg);
                // One member has no spread to estimate: its band has no width rather than an unknown one.
                var sd = n >= 2 ? Math.Sqrt(squares / (n - 1)) : 0;
                lower[i] = avg - sd;
                upper[i] = avg + sd;
            }
        }
        return new GroupCurve(xs, mean, lower, upper, counts);
    }

    /// <summary>The points with a finite x and y, in order of x (a member's x can be a metric such as tokens, logged out of order).</summary>
    private static (double[] X, double[] Y) Finite(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var points = new List<(double X, double Y)>(Math.Min(x.Count, y.Count));
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            if (double.IsFinite(x[i]) && double.IsFinite(y[i])) points.Add((x[i], y[i]));
        }
        points.Sort((a, b) => a.X.CompareTo(b.X));
        return (points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
    }

    private static double? ValueAt(double[] x, double[] y, double at)
    {
        if (at < x[0] || at > x[^1]) return null;
        var i = Array.BinarySearch(x, at);
        if (i >= 0) return y[i];
        i = ~i;
        var f = (at - x[i - 1]) / (x[i] - x[i - 1]);
        return y[i - 1] + (y[i] - y[i - 1]) * f;
    }
}

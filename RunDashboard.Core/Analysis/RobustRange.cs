namespace RunDashboard.Core.Analysis;

public static class RobustRange
{
    /// <summary>
    /// A y range that ignores the worst outliers (TensorBoard's "ignore outliers in chart scaling"): the 1st to 99th
    /// percentile of the finite values, padded by 5%. A loss that starts at 90 and settles near 1.4 stays readable.
    /// Returns null when there is nothing to scale or the data already fits.
    /// </summary>
    public static (double Min, double Max)? Of(IEnumerable<double> values, double lowQuantile = 0.01, double highQuantile = 0.99)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length < 10) return null;
        Array.Sort(finite);
        var lo = Quantile(finite, lowQuantile);
        var hi = Quantile(finite, highQuantile);
        if (hi <= lo) return null;
        var pad = (hi - lo) * 0.05;
        return (lo - pad, hi + pad);
    }

    private static double Quantile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var i = (int)Math.Floor(pos);
        var frac = pos - i;
        return i + 1 < sorted.Length ? sorted[i] + (sorted[i + 1] - sorted[i]) * frac : sorted[i];
    }
}

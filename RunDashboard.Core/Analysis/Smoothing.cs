namespace RunDashboard.Core.Analysis;

public static class Smoothing
{
    /// <summary>
    /// TensorBoard's scalar smoothing: an exponential moving average debiased for its zero start, so the first
    /// points are not dragged towards 0. <paramref name="weight"/> is the slider (0 = raw, 0.99 = very smooth).
    /// Non-finite values pass through unchanged and do not poison the average.
    /// </summary>
    public static double[] DebiasedEma(IReadOnlyList<double> values, double weight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(weight, 1);
        var result = new double[values.Count];
        double last = 0;
        var count = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                result[i] = v;
                continue;
            }
            last = last * weight + (1 - weight) * v;
            count++;
            var debias = weight == 0 ? 1 : 1 - Math.Pow(weight, count);
            result[i] = last / debias;
        }
        return result;
    }
}

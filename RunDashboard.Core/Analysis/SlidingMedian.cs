namespace RunDashboard.Core.Analysis;

/// <summary>
/// The median of every run of consecutive values, computed by sliding one sorted window along the values instead of
/// sorting each run afresh: moving the window by one point removes one value and inserts one by binary search, so the
/// cost is a memory move of at most the window per point rather than a sort of it.
/// </summary>
public static class SlidingMedian
{
    /// <summary>
    /// For each i in 0…n−<paramref name="window"/>, the value at index <paramref name="window"/>/2 of
    /// values[i…i+window) in ascending order (the upper median when the window is even). The values must be
    /// finite: NaN has no place in an order.
    /// </summary>
    public static double[] Of(ReadOnlySpan<double> values, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        if (values.Length < window) return [];
        var medians = new double[values.Length - window + 1];
        var sorted = values[..window].ToArray();
        Array.Sort(sorted);
        medians[0] = sorted[window / 2];
        for (var i = window; i < values.Length; i++)
        {
            // Equal doubles are interchangeable, so removing any copy of the leaving value leaves the same multiset.
            var leaving = Array.BinarySearch(sorted, values[i - window]);
            if (leaving < 0) throw new ArgumentException($"value {values[i - window]} at index {i - window} is not finite", nameof(values));
            Array.Copy(sorted, leaving + 1, sorted, leaving, window - 1 - leaving);
            var at = Array.BinarySearch(sorted, 0, window - 1, values[i]);
            if (at < 0) at = ~at;
            Array.Copy(sorted, at, sorted, at + 1, window - 1 - at);
            sorted[at] = values[i];
            medians[i - window + 1] = sorted[window / 2];
        }
        return medians;
    }
}

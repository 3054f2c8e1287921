using System.Globalization;

namespace RunDashboard.Components.Charts;

/// <summary>
/// Tick marks for a log axis, labelled with whole values ("1e-7", "2e-6", "0.5"). Plotly's own log ticks label the
/// steps inside a decade with a bare digit ("5 4 3 2") and its 10⁻⁷ superscripts collide with the axis title.
/// </summary>
public static class LogTicks
{
    /// <summary>Powers of ten across the range; with fewer than three of them, also 2× and 5× each power, or every digit.</summary>
    public static (IReadOnlyList<double> Values, IReadOnlyList<string> Labels) For(double min, double max)
    {
        if (!(min > 0) || !(max >= min) || !double.IsFinite(max)) return ([], []);
        var low = (int)Math.Floor(Math.Log10(min));
        var high = (int)Math.Ceiling(Math.Log10(max));
        var powers = Enumerable.Range(low, high - low + 1).Select(e => Math.Pow(10, e)).Where(v => v >= min && v <= max).ToList();
        IEnumerable<double> ticks;
        if (powers.Count >= 3)
        {
            // At most about eight labels: every n-th decade on a very wide range.
            var every = Math.Max(1, (int)Math.Ceiling(powers.Count / 8.0));
            ticks = powers.Where((_, i) => i % every == 0);
        }
        else
        {
            ticks = Multiples([1, 2, 5]);
            // Within one decade (a loss from 0.38 to 0.7), every digit: 0.4, 0.5, 0.6, 0.7.
            if (ticks.Count() < 3) ticks = Multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }

        IEnumerable<double> Multiples(double[] of) => Enumerable.Range(low, high - low + 1)
            .SelectMany(e => of.Select(m => Clean(m * Math.Pow(10, e))))
            .Where(v => v >= min && v <= max).ToList();
        var values = ticks.ToList();
        return (values, values.Select(Label).ToList());
    }

    /// <summary>0.30000000000000004 as 0.3: twelve significant digits are more than any axis shows.</summary>
    private static double Clean(double v) => double.Parse(v.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>"1e-7", "2.5e-6", "0.5", "200", "1e+6" as "1e6": short, and never a lone digit.</summary>
    public static string Label(double v)
    {
        var exponent = (int)Math.Floor(Math.Log10(v) + 1e-9);
        if (exponent is >= -3 and <= 4) return v.ToString("0.###", CultureInfo.InvariantCulture);
        var mantissa = v / Math.Pow(10, exponent);
        return mantissa.ToString("0.##", CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }
}

using System.Globalization;

namespace RunDashboard.Components;

/// <summary>How the dashboard writes numbers, everywhere: invariant culture, a lower-case exponent, NaN and ±Inf by name.</summary>
public static class NumberFormat
{
    /// <summary><c>1.379</c>, <c>8.29e-06</c>, <c>NaN</c>: <paramref name="digits"/> significant digits.</summary>
    public static string Value(double v, int digits = 6) =>
        double.IsFinite(v)
            ? v.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal)
            : v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A value, or what to say when there is none.</summary>
    public static string Value(double? v, string missing, int digits = 6) => v is { } d ? Value(d, digits) : missing;

    /// <summary><c>13.0%</c> for a ratio of 0.13.</summary>
    public static string Percent(double ratio) => (ratio * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

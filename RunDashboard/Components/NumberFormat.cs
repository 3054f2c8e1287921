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

    /// <summary>A size in bytes as people read it: 512 B, 3.4 KB, 12.5 MB, 1.02 GB.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
    };

    /// <summary><c>13.0%</c> for a ratio of 0.13.</summary>
    public static string Percent(double ratio) => (ratio * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary><c>0.60</c>: a fixed number of decimals, for settings such as a smoothing factor.</summary>
    public static string Fixed(double v, int decimals) => v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary><c>12,345</c>: a count with thousands separated.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary><c>2025-11-11 18:01</c>: a time as the dashboard shows it (UTC, minutes).</summary>
    public static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary><c>3h 12m</c>, <c>4m 5s</c>, <c>42s</c>: a run's length in its two largest units.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds}s" : Fixed(t.TotalSeconds, 0) + "s";
}

namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>A fitted loss curve: <c>a + b·t^(−c)</c> (saturating power law) or <c>a + b·e^(−c·t)</c> (exponential).</summary>
public sealed record CurveModel(string Kind, double A, double B, double C)
{
    public const string PowerLaw = "power law";
    public const string Exponential = "exponential";

    public double At(double t) => Kind == PowerLaw ? A + B * Math.Pow(Math.Max(t, 1), -C) : A + B * Math.Exp(-C * t);

    /// <summary>The formula with its fitted numbers, for the answer and the chart's hover.</summary>
    public string Formula => Kind == PowerLaw
        ? FormattableString.Invariant($"{A:G4} + {B:G4}·t^(−{C:G3})")
        : FormattableString.Invariant($"{A:G4} + {B:G4}·e^(−{C:G3}·t)");

    /// <summary>
    /// Least-squares fit of one family: a grid over the exponent c, and (a, b) solved exactly for each c, with the
    /// curve falling (b ≥ 0) and, when every value is non-negative as losses are, a floor a ≥ 0.
    /// </summary>
    public static CurveModel? Fit(string kind, ReadOnlySpan<double> t, ReadOnlySpan<double> y)
    {
        var nonNegative = true;
        foreach (var v in y) if (v < 0) { nonNegative = false; break; }
        if (t.Length < 3) return null;
        var span = t[^1] - t[0];
        if (span <= 0) return null;
        CurveModel? best = null;
        var bestSse = double.PositiveInfinity;
        const int grid = 80;
        // Power-law exponents 0.005…4; exponential rates 0.01…50 per span of the fitted steps; log-spaced, then a
        // finer pass between the neighbours of the best.
        double lo = kind == PowerLaw ? 0.005 : 0.01 / span, ratio = kind == PowerLaw ? 800 : 5000;
        var stepFactor = Math.Pow(ratio, 1.0 / (grid - 1));
        for (var g = 0; g < grid; g++) Try(lo * Math.Pow(stepFactor, g), t, y);
        if (best is not null)
        {
            var center = best.C;
            for (var g = -20; g <= 20; g++) Try(center * Math.Pow(stepFactor, g / 20.0), t, y);
        }
        return best;

        void Try(double c, ReadOnlySpan<double> t, ReadOnlySpan<double> y)
        {
            if (Solve(kind, c, t, y, nonNegative) is not { } m) return;
            var sse = 0.0;
            for (var i = 0; i < t.Length; i++) { var r = y[i] - m.At(t[i]); sse += r * r; }
            if (sse < bestSse) (best, bestSse) = (m, sse);
        }
    }

    private static CurveModel? Solve(string kind, double c, ReadOnlySpan<double> t, ReadOnlySpan<double> y, bool nonNegative)
    {
        double n = t.Length, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < t.Length; i++)
        {
            var x = kind == PowerLaw ? Math.Pow(Math.Max(t[i], 1), -c) : Math.Exp(-c * t[i]);
            sx += x; sy += y[i]; sxx += x * x; sxy += x * y[i];
        }
        var den = n * sxx - sx * sx;
        if (Math.Abs(den) < 1e-300) return null;
        var b = (n * sxy - sx * sy) / den;
        var a = (sy - b * sx) / n;
        if (b < 0) (a, b) = (sy / n, 0); // a rising fit is no forecast of a loss: the flat mean is the fallback
        if (nonNegative && a < 0 && sxx > 0) (a, b) = (0, Math.Max(0, sxy / sxx));
        return double.IsFinite(a) && double.IsFinite(b) ? new CurveModel(kind, a, b, c) : null;
    }
}

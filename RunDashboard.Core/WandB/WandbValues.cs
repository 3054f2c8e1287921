using System.Text.Json;

namespace RunDashboard.Core.WandB;

/// <summary>Numbers and steps as W&amp;B's JSON carries them.</summary>
public static class WandbValues
{
    /// <summary>
    /// A step: an integer, or a float with an integral value (<c>5.0</c>), which the Python client writes when a
    /// step was computed in floating point.
    /// </summary>
    public static bool TryStep(JsonElement v, out long step)
    {
        step = 0;
        if (v.ValueKind != JsonValueKind.Number) return false;
        if (v.TryGetInt64(out step)) return true;
        // 2^63 is exactly representable; anything at or past it is not a long.
        if (v.TryGetDouble(out var d) && Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758E18)
        {
            step = (long)d;
            return true;
        }
        return false;
    }

    /// <summary>A number, or a non-finite one written as NaN/Infinity/-Infinity (bare or quoted); media, histograms and text are not numbers.</summary>
    public static bool TryNumber(JsonElement v, out double value)
    {
        value = 0;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number: return v.TryGetDouble(out value);
            case JsonValueKind.String:
                switch (v.GetString())
                {
                    case "NaN" or "nan": value = double.NaN; return true;
                    case "Infinity" or "inf": value = double.PositiveInfinity; return true;
                    case "-Infinity" or "-inf": value = double.NegativeInfinity; return true;
                    default: return false;
                }
            default: return false;
        }
    }
}

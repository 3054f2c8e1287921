using System.Globalization;
using System.Runtime.CompilerServices;

namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// Reads a plain decimal (<c>2.061</c>, <c>-3</c>, <c>1.000e-05</c>) straight from UTF-8 bytes, to the same double
/// <see cref="Numbers.TryParse"/> gives for the same text: both are correctly rounded, by Clinger's fast path where
/// it applies (a mantissa below 2^53 and a power of ten within 10^22: one exact multiplication or division) and by
/// the framework parser otherwise.
/// </summary>
internal static class Utf8Decimal
{
    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// Reads the longest number at the start of <paramref name="s"/>: an optional sign, digits with an optional
    /// point, an optional exponent. Fails unless it has a digit before any exponent and ends with a digit, so a
    /// unit or separator can follow it directly ("28.140s", "7.906 GB", "1.5,").
    /// </summary>
    [MethodImpl(HotPath.Optimised)]
    public static bool TryRead(ReadOnlySpan<byte> s, out double value, out int length)
    {
        value = 0;
        length = 0;
        var i = 0;
        var n = s.Length;
        var negative = false;
        if (i < n && (s[i] == (byte)'-' || s[i] == (byte)'+')) { negative = s[i] == (byte)'-'; i++; }
        // Digits go into one integer; past 19 of them it overflows, and the framework parser reads the text instead.
        ulong mantissa = 0;
        uint d;
        var intStart = i;
        while (i < n && (d = (uint)(s[i] - '0')) <= 9)
        {
            mantissa = mantissa * 10 + d;
            i++;
        }
        var digits = i - intStart;
        var exponent = 0;
        if (i < n && s[i] == (byte)'.')
        {
            i++;
            var fractionStart = i;
            while (i < n && (d = (uint)(s[i] - '0')) <= 9)
            {
                mantissa = mantissa * 10 + d;
                i++;
            }
            if (i == fractionStart) return false;
            exponent = fractionStart - i;
            digits += i - fractionStart;
        }
        if (digits == 0) return false;
        if (i < n && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            var expNegative = false;
            if (i < n && (s[i] == (byte)'-' || s[i] == (byte)'+')) { expNegative = s[i] == (byte)'-'; i++; }
            var e = 0;
            var expStart = i;
            while (i < n && (d = (uint)(s[i] - '0')) <= 9)
            {
                if (e < 10000) e = e * 10 + (int)d;
                i++;
            }
            if (i == expStart) return false;
            exponent += expNegative ? -e : e;
        }
        length = i;
        // Clinger: a mantissa below 2^53 is exact as a double, and so is 10^k for k up to 22; one IEEE
        // multiplication or division of the two is then correctly rounded.
        if (digits <= 19 && mantissa <= (1UL << 53))
        {
            double m = mantissa;
            if (exponent == 0) { value = negative ? -m : m; return true; }
            if (exponent < 0 && exponent >= -22) { value = m / Pow10[-exponent]; if (negative) value = -value; return true; }
            if (exponent > 0 && exponent <= 22) { value = m * Pow10[exponent]; if (negative) value = -value; return true; }
            if (mantissa == 0) { value = negative ? -0.0 : 0.0; return true; }
        }
        return double.TryParse(s[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

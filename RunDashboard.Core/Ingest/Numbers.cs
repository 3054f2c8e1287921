using System.Globalization;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Number parsing for logs: invariant culture always, Python's <c>nan</c>/<c>inf</c> spellings, and a fast path
/// for the short decimals trainers print (<c>1.443</c>, <c>2.50e-07</c>) that is exact where it applies.
/// </summary>
public static class Numbers
{
    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParse(ReadOnlySpan<char> s, out double value)
    {
        s = s.Trim();
        if (TryParseFast(s, out value)) return true;
        if (s.IsEmpty) return false;
        if (TryParseSpecial(s, out value)) return true;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Parses <c>74,823</c> or <c>467</c>; thousands separators are common in printed counts.</summary>
    public static bool TryParseLong(ReadOnlySpan<char> s, out long value)
    {
        s = s.Trim();
        return long.TryParse(s, NumberStyles.AllowThousands | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary><c>nan</c>, <c>NaN</c>, <c>inf</c>, <c>-Infinity</c>… in any case.</summary>
    public static bool TryParseSpecialWord(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        return s.Length is >= 3 and <= 9 && TryParseSpecial(s, out value);
    }

    private static bool TryParseSpecial(ReadOnlySpan<char> s, out double value)
    {
        var negative = s[0] == '-';
        var body = s[0] is '-' or '+' ? s[1..] : s;
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase)) { value = double.NaN; return true; }
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>
    /// Clinger's fast path: up to 15 significant digits and a power of ten within 10^22 give a correctly rounded
    /// result with one multiplication or division. Everything else falls back to the framework parser.
    /// </summary>
    private static bool TryParseFast(ReadOnlySpan<char> s, out double value)
    {
        value = 0;
        var i = 0;
        var n = s.Length;
        if (n == 0 || n > 32) return false;
        var negative = false;
        if (s[0] == '-' || s[0] == '+') { negative = s[0] == '-'; i++; }
        long mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var any = false;
        while (i < n && (uint)(s[i] - '0') <= 9)
        {
            if (digits < 18) { mantissa = mantissa * 10 + (s[i] - '0'); if (mantissa != 0) digits++; }
            else exponent++;
            any = true;
            i++;
        }
        if (i < n && s[i] == '.')
        {
            i++;
            while (i < n && (uint)(s[i] - '0') <= 9)
            {
                if (digits < 18) { mantissa = mantissa * 10 + (s[i] - '0'); if (mantissa != 0) digits++; exponent--; }
                any = true;
                i++;
            }
        }
        if (!any) return false;
        if (i < n && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            var expNegative = false;
            if (i < n && (s[i] == '-' || s[i] == '+')) { expNegative = s[i] == '-'; i++; }
            var e = 0;
            var expDigits = 0;
            while (i < n && (uint)(s[i] - '0') <= 9)
            {
                if (e < 10000) e = e * 10 + (s[i] - '0');
                expDigits++;
                i++;
            }
            if (expDigits == 0) return false;
            exponent += expNegative ? -e : e;
        }
        if (i != n || digits > 15) return false;
        double m = mantissa;
        if (exponent == 0) value = m;
        else if (exponent > 0 && exponent <= 22) value = m * Pow10[exponent];
        else if (exponent < 0 && exponent >= -22) value = m / Pow10[-exponent];
        else if (mantissa == 0) value = 0;
        else return false;
        if (negative) value = -value;
        return true;
    }
}

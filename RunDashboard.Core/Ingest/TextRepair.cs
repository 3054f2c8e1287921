using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Unicode;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Undoes mojibake: UTF-8 text that was once decoded as Windows-1252 or Mac Roman (console tables copied between machines: <c>â”‚</c>
/// for <c>│</c>, <c>‚úÖ</c> for <c>✅</c>). Each maximal run of non-ASCII characters is mapped back to the bytes
/// that legacy encoding would have produced; the run is replaced only when those bytes are valid UTF-8. Legitimate
/// text (<c>café</c>, <c>│</c>) maps to invalid UTF-8 or to no bytes at all, so it is left alone. A multi-byte
/// character cut off at the end of a line is dropped and reported rather than kept as garbage.
/// </summary>
public static class TextRepair
{
    private const string Cp1252High =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    private const string MacRomanHigh =
        "\u00C4\u00C5\u00C7\u00C9\u00D1\u00D6\u00DC\u00E1\u00E0\u00E2\u00E4\u00E3\u00E5\u00E7\u00E9\u00E8" +
        "\u00EA\u00EB\u00ED\u00EC\u00EE\u00EF\u00F1\u00F3\u00F2\u00F4\u00F6\u00F5\u00FA\u00F9\u00FB\u00FC" +
        "\u2020\u00B0\u00A2\u00A3\u00A7\u2022\u00B6\u00DF\u00AE\u00A9\u2122\u00B4\u00A8\u2260\u00C6\u00D8" +
        "\u221E\u00B1\u2264\u2265\u00A5\u00B5\u2202\u2211\u220F\u03C0\u222B\u00AA\u00BA\u03A9\u00E6\u00F8" +
        "\u00BF\u00A1\u00AC\u221A\u0192\u2248\u2206\u00AB\u00BB\u2026\u00A0\u00C0\u00C3\u00D5\u0152\u0153" +
        "\u2013\u2014\u201C\u201D\u2018\u2019\u00F7\u25CA\u00FF\u0178\u2044\u20AC\u2039\u203A\uFB01\uFB02" +
        "\u2021\u00B7\u201A\u201E\u2030\u00C2\u00CA\u00C1\u00CB\u00C8\u00CD\u00CE\u00CF\u00CC\u00D3\u00D4" +
        "\uF8FF\u00D2\u00DA\u00DB\u00D9\u0131\u02C6\u02DC\u00AF\u02D8\u02D9\u02DA\u00B8\u02DD\u02DB\u02C7";

    private static readonly FrozenDictionary<char, byte> FromCp1252 = Reverse(Cp1252High + Latin1Upper());
    private static readonly FrozenDictionary<char, byte> FromMacRoman = Reverse(MacRomanHigh);

    /// <summary>
    /// The repaired line, or null when nothing needed repair. <paramref name="cutCharacter"/> tells that a
    /// character cut in half at the end of the line was dropped.
    /// </summary>
    public static string? Repair(ReadOnlySpan<char> line, out bool cutCharacter)
    {
        cutCharacter = false;
        if (Ascii.IsValid(line)) return null;
        string? current = null;
        // Text mangled twice (UTF-8 → cp1252 → UTF-8 → cp1252) needs two passes; three is plenty.
        for (var pass = 0; pass < 3; pass++)
        {
            var next = RepairOnce(current is null ? line : current.AsSpan(), out var cut);
            if (next is null) break;
            cutCharacter |= cut;
            current = next;
        }
        return current;
    }

    /// <summary>Repairs every line of a text (for whole documents such as JSON files).</summary>
    public static string RepairText(string text)
    {
        if (Ascii.IsValid(text)) return text;
        var sb = new StringBuilder(text.Length);
        foreach (var range in text.AsSpan().Split('\n'))
        {
            if (sb.Length > 0) sb.Append('\n');
            var line = text.AsSpan(range);
            sb.Append(Repair(line, out _) ?? line);
        }
        return sb.ToString();
    }

    private static string? RepairOnce(ReadOnlySpan<char> s, out bool cut)
    {
        cut = false;
        StringBuilder? sb = null;
        var copied = 0;
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] < 0x80) { i++; continue; }
            var start = i;
            while (i < s.Length && s[i] >= 0x80) i++;
            var atEnd = s[i..].IsWhiteSpace();
            var run = s[start..i];
            // A lone lead byte at the end is a cut character only in a line that was mojibake elsewhere too.
            var mayBeCut = atEnd && (run.Length >= 2 || sb is not null);
            if (TryDecode(run, FromCp1252, mayBeCut, out var text, out var cutHere) ||
                TryDecode(run, FromMacRoman, mayBeCut, out text, out cutHere))
            {
                sb ??= new StringBuilder(s.Length);
                sb.Append(s[copied..start]).Append(text);
                copied = i;
                cut |= cutHere;
            }
        }
        if (sb is null) return null;
        sb.Append(s[copied..]);
        return sb.ToString();
    }

    private static bool TryDecode(ReadOnlySpan<char> run, FrozenDictionary<char, byte> map, bool mayBeCut, out string text, out bool cut)
    {
        text = "";
        cut = false;
        var rented = ArrayPool<byte>.Shared.Rent(run.Length);
        var chars = ArrayPool<char>.Shared.Rent(run.Length);
        try
        {
            var bytes = rented.AsSpan(0, run.Length);
            for (var k = 0; k < run.Length; k++)
            {
                if (!map.TryGetValue(run[k], out bytes[k])) return false;
            }
            var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false, isFinalBlock: false);
            if (status == OperationStatus.NeedMoreData)
            {
                // Only a cut at the very end of a line is a cut; anywhere else it is not UTF-8 at all.
                if (!mayBeCut) return false;
                cut = true;
            }
            else if (status != OperationStatus.Done || read != bytes.Length)
            {
                return false;
            }
            text = new string(chars, 0, written);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static string Latin1Upper()
    {
        Span<char> upper = stackalloc char[0x60];
        for (var b = 0; b < upper.Length; b++) upper[b] = (char)(0xA0 + b);
        return new string(upper);
    }

    private static FrozenDictionary<char, byte> Reverse(string high)
    {
        var map = new Dictionary<char, byte>();
        for (var k = 0; k < high.Length; k++) map[high[k]] = (byte)(0x80 + k);
        return map.ToFrozenDictionary();
    }
}

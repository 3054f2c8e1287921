using System.Text;

namespace RunDashboard.Core.Ingest.Lines;

/// <summary>
/// Logs saved by Windows tools (PowerShell's <c>Tee-Object</c> and <c>&gt;</c> redirection write UTF-16 LE with a
/// byte-order mark) are text, not binary: they are read through a transcoding stream.
/// </summary>
public static class TextEncodings
{
    /// <summary>The UTF-16 encoding of <paramref name="head"/> (by BOM, or by NULs in every other byte), or null.</summary>
    public static Encoding? Utf16Of(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return new UnicodeEncoding(bigEndian: false, byteOrderMark: false);
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return new UnicodeEncoding(bigEndian: true, byteOrderMark: false);
        if (head.Length < 16) return null;
        var n = Math.Min(head.Length & ~1, 512);
        int evenZero = 0, oddZero = 0;
        for (var i = 0; i < n; i += 2)
        {
            if (head[i] == 0) evenZero++;
            if (head[i + 1] == 0) oddZero++;
        }
        var pairs = n / 2;
        if (oddZero > pairs * 0.9 && evenZero == 0) return new UnicodeEncoding(bigEndian: false, byteOrderMark: false);
        if (evenZero > pairs * 0.9 && oddZero == 0) return new UnicodeEncoding(bigEndian: true, byteOrderMark: false);
        return null;
    }
}

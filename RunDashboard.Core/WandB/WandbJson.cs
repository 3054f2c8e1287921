using System.Text;
using System.Text.Json;

namespace RunDashboard.Core.WandB;

/// <summary>
/// Reads the JSON W&amp;B writes. Its backend serialises history rows, summaries and configs with Python's
/// <c>json</c>, which writes non-finite floats as bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>; strict
/// JSON readers (System.Text.Json included) reject them. Those three tokens are read as the strings
/// <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>, which <see cref="WandbValues"/> turns into doubles.
/// </summary>
public static class WandbJson
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true };
    private static readonly byte[] NaN = "NaN"u8.ToArray();
    private static readonly byte[] Infinity = "Infinity"u8.ToArray();

    /// <summary>Parses <paramref name="text"/>; on failure says at which byte of the text reading stopped.</summary>
    public static bool TryParse(string text, out JsonElement value, out string? error) =>
        TryParse(Encoding.UTF8.GetBytes(text), out value, out error);

    public static bool TryParse(byte[] utf8, out JsonElement value, out string? error)
    {
        var (json, inserted) = QuoteNonFinite(utf8);
        try
        {
            using var doc = JsonDocument.Parse(json, Options);
            value = doc.RootElement.Clone();
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            value = default;
            var position = ex.BytePositionInLine ?? 0;
            // The quotes added around NaN/Infinity are not in the text W&B sent: report the position in its text.
            if (ex.LineNumber == 0) position -= 2 * inserted.Count(at => at < position);
            error = ex.LineNumber is > 0 ? $"line {ex.LineNumber + 1}, byte {position}" : $"byte {position}";
            return false;
        }
    }

    /// <summary>The text with bare NaN/Infinity/-Infinity outside strings quoted; the (output) offsets of the tokens quoted.</summary>
    internal static (ReadOnlyMemory<byte> Json, List<long> Inserted) QuoteNonFinite(byte[] text)
    {
        List<long> inserted = [];
        MemoryStream? output = null;
        var copied = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (inString)
            {
                if (b == (byte)'\\') i++;
                else if (b == (byte)'"') inString = false;
                continue;
            }
            if (b == (byte)'"')
            {
                inString = true;
                continue;
            }
            var length = b switch
            {
                (byte)'N' when Matches(text, i, NaN) => NaN.Length,
                (byte)'I' when Matches(text, i, Infinity) => Infinity.Length,
                (byte)'-' when Matches(text, i + 1, Infinity) => Infinity.Length + 1,
                _ => 0,
            };
            if (length == 0) continue;
            output ??= new MemoryStream(text.Length + 16);
            output.Write(text, copied, i - copied);
            inserted.Add(output.Length);
            output.WriteByte((byte)'"');
            output.Write(text, i, length);
            output.WriteByte((byte)'"');
            copied = i + length;
            i += length - 1;
        }
        if (output is null) return (text, inserted);
        output.Write(text, copied, text.Length - copied);
        return (output.GetBuffer().AsMemory(0, (int)output.Length), inserted);
    }

    private static bool Matches(byte[] text, int at, byte[] token) =>
        at + token.Length <= text.Length && text.AsSpan(at, token.Length).SequenceEqual(token);
}

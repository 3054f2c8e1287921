using System.Text;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Python's <c>json.dump</c> (and so <c>trainer_state.json</c>, <c>logging.jsonl</c>, W&amp;B files) writes non-finite
/// numbers as bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, which strict JSON readers reject. This quotes
/// them outside strings, so a reader that accepts named floating-point literals in strings reads them as numbers.
/// </summary>
public static class ExtendedJson
{
    public static byte[] Quote(byte[] json)
    {
        if (json.AsSpan().IndexOf("NaN"u8) < 0 && json.AsSpan().IndexOf("Infinity"u8) < 0) return json;
        var output = new MemoryStream(json.Length + 64);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                output.WriteByte(b);
                if (b == (byte)'\\' && i + 1 < json.Length) { output.WriteByte(json[++i]); continue; }
                if (b == (byte)'"') inString = false;
                continue;
            }
            if (b == (byte)'"') { inString = true; output.WriteByte(b); continue; }
            var token = Bare(json.AsSpan(i));
            if (token > 0)
            {
                output.WriteByte((byte)'"');
                output.Write(json, i, token);
                output.WriteByte((byte)'"');
                i += token - 1;
                continue;
            }
            output.WriteByte(b);
        }
        return output.ToArray();
    }

    public static string Quote(string json) =>
        json.Contains("NaN", StringComparison.Ordinal) || json.Contains("Infinity", StringComparison.Ordinal)
            ? Encoding.UTF8.GetString(Quote(Encoding.UTF8.GetBytes(json)))
            : json;

    private static int Bare(ReadOnlySpan<byte> s)
    {
        if (s.StartsWith("NaN"u8)) return 3;
        if (s.StartsWith("Infinity"u8)) return 8;
        if (s.StartsWith("-Infinity"u8)) return 9;
        return 0;
    }
}

namespace RunDashboard.Core.Ingest;

/// <summary>Splits one CSV line into fields (RFC 4180 quotes; a quoted field spanning lines is not supported).</summary>
public static class CsvLine
{
    /// <summary>
    /// The separator a table's header uses: a comma, or a tab when the header has tabs and no comma (TSV files,
    /// and tables printed with <c>\t</c> that people paste into a <c>.log</c> or <c>.txt</c>).
    /// </summary>
    public static char SeparatorOf(ReadOnlySpan<char> header) => !header.Contains(',') && header.Contains('\t') ? '\t' : ',';

    public static List<string> Split(ReadOnlySpan<char> line, char separator = ',')
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                    else quoted = false;
                }
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == separator) { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}

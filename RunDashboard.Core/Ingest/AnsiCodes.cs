namespace RunDashboard.Core.Ingest;

/// <summary>Removes terminal escape sequences (colours, cursor moves, window titles) from captured console text.</summary>
public static class AnsiCodes
{
    /// <summary>Strips escapes in place and returns the new length.</summary>
    public static int Strip(Span<char> text)
    {
        var w = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '\u001B') { text[w++] = c; i++; continue; }
            i++;
            if (i >= text.Length) break;
            var kind = text[i];
            i++;
            if (kind == '[')
            {
                // CSI: parameters and intermediates, then one final byte in @..~
                while (i < text.Length && (text[i] < '@' || text[i] > '~')) i++;
                i++;
            }
            else if (kind == ']')
            {
                // OSC: up to BEL or ESC \
                while (i < text.Length && text[i] != '\u0007' && !(text[i] == '\u001B' && i + 1 < text.Length && text[i + 1] == '\\')) i++;
                i += i < text.Length && text[i] == '\u0007' ? 1 : 2;
            }
        }
        return Math.Min(w, text.Length);
    }
}

namespace RunDashboard.Components.Charts;

/// <summary>
/// Plotly renders a subset of HTML in trace names, titles, hover text and annotations (<c>&lt;a href&gt;</c> becomes a
/// live link, <c>&lt;b&gt;</c> bold, <c>&lt;br&gt;</c> a line break). Every user string is encoded before it reaches
/// Plotly; Plotly turns <c>&amp;lt;</c>, <c>&amp;gt;</c> and <c>&amp;amp;</c> back into the characters, so they show as typed.
/// </summary>
public static class PlotlyText
{
    public static string? Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.AsSpan().IndexOfAny('<', '>', '&') < 0) return text;
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }
}

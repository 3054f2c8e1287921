namespace RunDashboard.Core.Ingest.Templates;

/// <summary>
/// A line shape learned from the stream: its tokens with the varying ones as <c>&lt;*&gt;</c>, how many lines had it,
/// and the first line seen, as a sample a person can check.
/// </summary>
public sealed class LineTemplate(int id, string[] tokens, string sample, int firstLine)
{
    public const string Wildcard = "<*>";

    public int Id { get; } = id;
    public string[] Tokens { get; } = tokens;
    public string Sample { get; } = sample;
    public int FirstLine { get; } = firstLine;
    public long Count { get; internal set; }

    /// <summary>The template as text, e.g. <c>step &lt;*&gt; | loss &lt;*&gt; | lr &lt;*&gt;</c>.</summary>
    public string Text => string.Join(' ', Tokens);

    public override string ToString() => Text;
}

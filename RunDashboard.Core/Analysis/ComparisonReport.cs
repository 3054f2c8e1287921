using System.Globalization;
using System.Text;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>A comparison as markdown, ready for chat or a pull request (what a comparison_report.md written by hand holds, generated).</summary>
public static class ComparisonReport
{
    public static string Markdown(IReadOnlyList<Run> runs, IReadOnlyList<IReadOnlyList<Finding>> findings, string? link = null)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Comparison: {string.Join(" vs ", runs.Select(r => Escape(r.Name)))}");
        md.AppendLine();
        if (link is not null) md.AppendLine(CultureInfo.InvariantCulture, $"Dashboard: {link}").AppendLine();

        md.AppendLine("## Final metrics").AppendLine();
        Header(md, runs);
        var finals = runs.Select(FinalMetrics.Of).ToList();
        Row(md, "train loss", finals.Select(f => Num(f.TrainLoss)));
        Row(md, "val loss", finals.Select(f => Num(f.EvalLoss)));
        Row(md, "gap (val − train)", finals.Select(f => Num(f.Gap)));
        Row(md, "gap relative to train", finals.Select(f => f.RelativeGap is { } g ? (g * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—"));
        Row(md, "steps", finals.Select(f => f.Steps.ToString(CultureInfo.InvariantCulture)));
        Row(md, "method", runs.Select(TrainingMethod.Detect));
        md.AppendLine();

        var diff = HyperparameterDiff.Build(runs).Where(r => r.Differs).ToList();
        md.AppendLine("## Hyperparameter differences").AppendLine();
        if (diff.Count == 0) md.AppendLine("The runs share every hyperparameter.");
        else
        {
            Header(md, runs);
            foreach (var row in diff) Row(md, (row.Derived ? "= " : "") + row.Key, row.Values.Select(v => v ?? Missing));
        }
        md.AppendLine();

        md.AppendLine("## Findings").AppendLine();
        for (var i = 0; i < runs.Count; i++)
        {
            var important = findings[i].Where(f => f.Severity != Severity.Info || f.Rule is "final-metrics" or "lr-schedule" or "overfitting-begins").ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"**{Escape(runs[i].Name)}**").AppendLine();
            if (important.Count == 0) md.AppendLine("- nothing to report");
            foreach (var f in important)
            {
                var mark = f.Severity switch { Severity.Error => "🛑", Severity.Warning => "⚠️", _ => "ℹ️" };
                md.AppendLine(CultureInfo.InvariantCulture, $"- {mark} {Escape(f.Message)}");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    private static void Header(StringBuilder md, IReadOnlyList<Run> runs)
    {
        md.Append("| |");
        foreach (var r in runs) md.Append(' ').Append(Escape(r.Name)).Append(" |");
        md.AppendLine();
        md.Append("|---|");
        foreach (var _ in runs) md.Append("---|");
        md.AppendLine();
    }

    /// <summary>The one cell written as markdown (emphasis) rather than text.</summary>
    private const string Missing = "*missing*";

    private static void Row(StringBuilder md, string label, IEnumerable<string> cells) =>
        md.Append("| ").Append(Escape(label)).Append(" | ").Append(string.Join(" | ", cells.Select(c => ReferenceEquals(c, Missing) ? c : Escape(c)))).AppendLine(" |");

    private static string Num(double? v) => v is { } d ? d.ToString("G4", CultureInfo.InvariantCulture) : "—";

    /// <summary>
    /// User text (run names, hyperparameter values, messages) as literal markdown text: line breaks flattened (a newline
    /// would start a heading or a table row), HTML encoded (chat and PR renderers pass some HTML through), and markdown
    /// punctuation backslash-escaped so a name cannot become a link, emphasis or a table cell.
    /// </summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r' or '\n' or '\u2028' or '\u2029' or '\u0085' or '\t': sb.Append(' '); break;
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '\\' or '`' or '*' or '[' or ']' or '#' or '|' or '!' or '~':
                    sb.Append('\\').Append(c);
                    break;
                default:
                    if (!char.IsControl(c)) sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}

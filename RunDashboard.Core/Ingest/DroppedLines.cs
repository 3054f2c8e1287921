using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// A line a reader passed over although it names a step and a loss or a learning rate is reported as a problem
/// with its number, so a log whose loss was not read never imports as if it were fine.
/// </summary>
internal static class DroppedLines
{
    public static void Check(ReadOnlySpan<char> line, int lineNumber, ImportContext context)
    {
        if (Metric(line) is not { } metric) return;
        var text = line.Length > 120 ? line[..120].ToString() + "…" : line.ToString();
        context.Report(lineNumber, $"a line with a step and '{metric}' was not read by the {context.FormatName} reader: \"{text}\"");
    }

    /// <summary>The loss or learning-rate label of a line that also names a step, or null.</summary>
    public static string? Metric(ReadOnlySpan<char> line)
    {
        if (line.Length > 2000 || !(line.Contains("loss", StringComparison.OrdinalIgnoreCase) || line.Contains("lr", StringComparison.OrdinalIgnoreCase)
            || line.Contains("learning", StringComparison.OrdinalIgnoreCase))) return null;
        var fields = LineFields.Read(line);
        var hasStep = false;
        string? metric = null;
        foreach (var f in fields)
        {
            if (!f.HasLabel) continue;
            if (f.Integral && StepNames.Rank(f.Label) is >= 0 and < 100) { hasStep = true; continue; }
            var key = MetricKeys.Canonicalize(GenericTextParser.CleanLabel(f.Label));
            if (key is MetricKeys.TrainLoss or MetricKeys.EvalLoss or MetricKeys.LearningRate || f.Label.Contains("loss", StringComparison.OrdinalIgnoreCase)) metric ??= f.Label;
        }
        return hasStep ? metric : null;
    }
}

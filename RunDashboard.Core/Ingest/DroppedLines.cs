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
        if (line.Length > 2000 || !(line.Contains("loss", StringComparison.OrdinalIgnoreCase) || line.Contains("lr", StringComparison.OrdinalIgnoreCase)
            || line.Contains("learning", StringComparison.OrdinalIgnoreCase))) return;
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
        if (!hasStep || metric is null) return;
        var text = line.Length > 120 ? line[..120].ToString() + "…" : line.ToString();
        context.Report(lineNumber, $"a line with a step and '{metric}' was not read by the {context.FormatName} reader: \"{text}\"");
    }
}

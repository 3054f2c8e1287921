using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// The runs table exported from the W&amp;B project page ("Export CSV"): one row per run, with <c>Name</c>,
/// <c>State</c>, <c>Created</c>, <c>Runtime</c>, <c>Tags</c> and then config and summary columns side by side. Each
/// row becomes a run; its metric columns (names with a split such as <c>train/loss</c>, or names of known metrics)
/// are its summary, and the other columns its hyperparameters. It has no history: there is no step column.
/// </summary>
public sealed class RunsTableCsvFormat : LineLogFormat
{
    private static readonly string[] NameColumns = ["name", "run name", "run_name", "display_name", "display name"];
    private static readonly string[] RunColumns = ["state", "created", "runtime", "tags", "notes", "user", "sweep", "id", "run id", "group", "job type"];
    private static readonly string[] MetricWords = ["loss", "acc", "accuracy", "reward", "perplexity", "ppl", "score", "margin", "f1", "bleu", "rouge", "mfu", "throughput", "_runtime", "_step"];

    public override string Name => "wandb-runs-table";
    public override string Description => "W&B runs table export (one row per run)";

    protected override bool StripsPrefixes => false;

    protected override bool ChecksDroppedLines => false;

    public override FormatMatch Match(FileSample sample)
    {
        if (sample.RawLines.Count < 2) return FormatMatch.None;
        var header = CsvLine.Split(sample.RawLines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        if (!header.Any(h => NameColumns.Contains(h))) return FormatMatch.None;
        // A history export has a step column and no run state; the runs table has a state and may carry the
        // last _step as a summary column.
        var hasState = header.Contains("state");
        if (!hasState && header.Any(h => HistoryColumns.Classify(h) == HistoryColumns.Role.Step)) return FormatMatch.None;
        var runColumns = header.Count(h => RunColumns.Contains(h));
        if (runColumns == 0) return FormatMatch.None;
        return new FormatMatch(hasState ? 0.95 : 0.85, $"a CSV with a run name column and {runColumns} run column{(runColumns == 1 ? "" : "s")} ({string.Join(", ", header.Where(h => RunColumns.Contains(h)).Take(4))}) and no step: one run per row");
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    /// <summary>A column of the table is a summary metric when its name says so; everything else is config.</summary>
    internal static bool IsMetricColumn(string name)
    {
        var n = name.Trim();
        if (n.Contains('/') || n.StartsWith('_')) return true;
        var lower = n.ToLowerInvariant();
        if (MetricWords.Any(w => lower.Contains(w, StringComparison.Ordinal))) return true;
        var key = MetricKeys.Canonicalize(n);
        return key is MetricKeys.TrainLoss or MetricKeys.EvalLoss or MetricKeys.TokensPerSecond or MetricKeys.GradNorm;
    }

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private List<string>? _header;
        private int _row;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var cells = CsvLine.Split(line);
            if (_header is null)
            {
                _header = cells.Select(c => c.Trim()).ToList();
                return;
            }
            if (cells.Count != _header.Count)
            {
                context.Report(lineNumber, $"row has {cells.Count} fields, the header has {_header.Count}; skipped");
                return;
            }
            _row++;
            var run = context.Run("row " + _row.ToString(CultureInfo.InvariantCulture));
            for (var i = 0; i < cells.Count; i++)
            {
                var column = _header[i];
                var lower = column.ToLowerInvariant();
                var cell = cells[i].Trim();
                if (cell.Length == 0) continue;
                if (NameColumns.Contains(lower)) { run.Name = cell; continue; }
                switch (lower)
                {
                    case "state":
                        run.State = cell.ToLowerInvariant();
                        continue;
                    case "created" when DateTime.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created):
                        run.CreatedAt = created;
                        continue;
                    case "tags":
                        run.Tags.AddRange(cell.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                        continue;
                    case "runtime" when Numbers.TryParse(cell, out var seconds):
                        run.Summary["_runtime"] = seconds;
                        continue;
                }
                if (RunColumns.Contains(lower))
                {
                    run.Hyperparameters[lower.Replace(' ', '_')] = cell;
                }
                else if (IsMetricColumn(column) && Numbers.TryParse(cell, out var value))
                {
                    run.Summary[column] = value;
                }
                else
                {
                    run.Hyperparameters[column] = cell;
                }
            }
            run.Name ??= $"row {_row}";
            context.CountPoint(lineNumber);
        }

        public void End()
        {
        }
    }
}

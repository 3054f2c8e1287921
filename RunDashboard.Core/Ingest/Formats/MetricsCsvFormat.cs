using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Metric histories exported as CSV, one row per logged step:
/// W&amp;B history exports (<c>run_id, run_name, project, step, timestamp, train_loss, …</c> with many runs; or
/// <c>_step, _runtime, _timestamp, train/loss</c>), W&amp;B chart exports (<c>Step, run-a - train/loss, run-a - train/loss__MIN…</c>),
/// PyTorch Lightning's CSVLogger <c>metrics.csv</c> (<c>epoch, step, train_loss, val_loss</c>, sparse rows), and any
/// CSV with a step column. Empty cells are missing values, never zeros.
/// </summary>
public sealed class MetricsCsvFormat : LineLogFormat
{
    public override string Name => "metrics-csv";
    public override string Description => "Metrics CSV (W&B export, Lightning metrics.csv, any CSV with a step column)";

    protected override bool StripsPrefixes => false;

    protected override bool ChecksDroppedLines => false;

    public override FormatMatch Match(FileSample sample)
    {
        if (sample.RawLines.Count == 0) return FormatMatch.None;
        var separator = CsvLine.SeparatorOf(sample.RawLines[0]);
        var header = CsvLine.Split(sample.RawLines[0], separator);
        if (header.Count < 2) return FormatMatch.None;
        var roles = header.Select(h => HistoryColumns.Classify(h.Trim())).ToList();
        var hasStep = roles.Contains(HistoryColumns.Role.Step);
        var panel = header.Count(h => h.Contains(" - ", StringComparison.Ordinal)) >= 1 && header[0].Trim().Equals("Step", StringComparison.OrdinalIgnoreCase);
        if (panel) return new FormatMatch(0.9, "a W&B chart export: a Step column and 'run - metric' columns");
        if (!hasStep)
        {
            var fallback = header.Select(h => h.Trim().ToLowerInvariant()).FirstOrDefault(h => FallbackStepNames.Contains(h) && h.Length > 0);
            if (fallback is null && FirstColumnIncreases(sample.RawLines)) fallback = header[0].Trim();
            if (fallback is null || sample.RawLines.Count < 3) return FormatMatch.None;
            var numericRows = sample.RawLines.Skip(1).Count(l => CsvLine.Split(l, separator).Count == header.Count && CsvLine.Split(l, separator).All(c => c.Trim().Length == 0 || Numbers.TryParse(c, out _) || !char.IsDigit(c.Trim()[0]) && c.Trim().Length < 40));
            if (numericRows * 2 < sample.RawLines.Count - 1) return FormatMatch.None;
            return new FormatMatch(0.6, $"a CSV table with a '{fallback}' column and {header.Count - 1} metric columns ({string.Join(", ", header.Take(5).Select(h => h.Trim()))}…)");
        }
        if (roles.Contains(HistoryColumns.Role.RunId) || header.Any(h => h.StartsWith('_')))
        {
            return new FormatMatch(0.92, $"a CSV header with {(roles.Contains(HistoryColumns.Role.RunId) ? "run_id and " : "")}step columns (W&B history export)");
        }
        if (sample.BaseName == "metrics.csv" && header.Any(h => h.Trim() == "epoch"))
        {
            return new FormatMatch(0.9, "named metrics.csv with epoch and step columns (PyTorch Lightning CSVLogger)");
        }
        return new FormatMatch(0.6, $"a CSV header with a step column ({string.Join(", ", header.Take(6))}…)");
    }

    /// <summary>Step columns of tables that have no "step" column, finest first.</summary>
    internal static readonly string[] FallbackStepNames =
    [
        "steps", "total_steps", "total timesteps", "timesteps", "time/total_timesteps", "total_timesteps", "timestep", "updates", "num_updates",
        "batch", "batches", "iterations", "epoch", "epochs", "",
    ];

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    /// <summary>A table whose first column holds integers that increase row by row: that column is its step.</summary>
    internal static bool FirstColumnIncreases(IReadOnlyList<string> lines)
    {
        if (lines.Count < 4) return false;
        long? previous = null;
        var rows = 0;
        var separator = CsvLine.SeparatorOf(lines[0]);
        foreach (var line in lines.Skip(1).Take(50))
        {
            var cells = CsvLine.Split(line, separator);
            if (cells.Count < 2 || !long.TryParse(cells[0].Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)) return false;
            if (previous is { } p && value <= p) return rows >= 3;
            previous = value;
            rows++;
        }
        return rows >= 3;
    }

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private sealed record Column(int Index, string Name, HistoryColumns.Role Role, string? Run, string? Key);

        private List<Column>? _columns;
        private int _stepIndex = -1;
        private readonly HashSet<int> _textColumns = [];
        private readonly Dictionary<string, RunDraft> _runs = [];

        private char _separator = ',';

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            if (_columns is null) _separator = CsvLine.SeparatorOf(line);
            var cells = CsvLine.Split(line, _separator);
            if (_columns is null)
            {
                Header(cells);
                return;
            }
            if (cells.Count != _columns.Count)
            {
                context.Report(lineNumber, $"row has {cells.Count} fields, the header has {_columns.Count}; skipped");
                return;
            }
            Row(cells, lineNumber);
        }

        private void Header(List<string> cells)
        {
            _columns = [];
            for (var i = 0; i < cells.Count; i++)
            {
                var name = cells[i].Trim();
                var dash = name.IndexOf(" - ", StringComparison.Ordinal);
                if (i == 0 && name.Equals("Step", StringComparison.Ordinal) || HistoryColumns.Classify(name) == HistoryColumns.Role.Step && _stepIndex < 0)
                {
                    _stepIndex = i;
                    _columns.Add(new Column(i, name, HistoryColumns.Role.Step, null, null));
                }
                else if (dash > 0)
                {
                    // W&B chart export: "run-name - train/loss"; the __MIN/__MAX envelope columns add nothing.
                    var metric = name[(dash + 3)..];
                    var skip = metric.EndsWith("__MIN", StringComparison.Ordinal) || metric.EndsWith("__MAX", StringComparison.Ordinal);
                    _columns.Add(new Column(i, name, skip ? HistoryColumns.Role.Skip : HistoryColumns.Role.Metric, name[..dash], HistoryColumns.MetricKey(metric)));
                }
                else
                {
                    var role = HistoryColumns.Classify(name);
                    _columns.Add(new Column(i, name, role == HistoryColumns.Role.Step ? HistoryColumns.Role.Skip : role, null, role == HistoryColumns.Role.Metric ? HistoryColumns.MetricKey(name) : null));
                }
            }
            if (_stepIndex < 0) _stepIndex = FallbackStepColumn(_columns);
            if (_stepIndex < 0 && _columns.Count > 1) _stepIndex = 0;
            if (_stepIndex < 0) throw new FormatException("the CSV header has no step column (_step, step, Step, global_step, epoch)");
            _columns[_stepIndex] = _columns[_stepIndex] with { Role = HistoryColumns.Role.Skip };
        }

        /// <summary>
        /// Tables of other tools (Keras CSVLogger, Ultralytics results.csv, RL progress files) name their step
        /// otherwise: an epoch or timestep column, or the first column when it holds the row's position.
        /// </summary>
        private static int FallbackStepColumn(List<Column> columns)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            foreach (var c in columns)
            {
                var rank = Array.IndexOf(FallbackStepNames, c.Name.Trim().ToLowerInvariant());
                if (rank >= 0 && rank < bestRank) { best = c.Index; bestRank = rank; }
            }
            return best;
        }

        private void Row(List<string> cells, int lineNumber)
        {
            if (!Numbers.TryParse(cells[_stepIndex], out var stepValue))
            {
                context.Report(lineNumber, $"step '{cells[_stepIndex]}' is not a number; row skipped");
                return;
            }
            var step = (long)stepValue;
            string? runId = null, runName = null, project = null;
            var time = double.NaN;
            foreach (var c in _columns!)
            {
                var cell = cells[c.Index].Trim();
                if (cell.Length == 0) continue;
                switch (c.Role)
                {
                    case HistoryColumns.Role.RunId: runId = cell; break;
                    case HistoryColumns.Role.RunName: runName = cell; break;
                    case HistoryColumns.Role.Project: project = cell; break;
                    case HistoryColumns.Role.Timestamp when Numbers.TryParse(cell, out var ts): time = ts; break;
                }
            }
            foreach (var c in _columns!)
            {
                if (c.Role != HistoryColumns.Role.Metric || _textColumns.Contains(c.Index)) continue;
                var cell = cells[c.Index].Trim();
                if (cell.Length == 0) continue;
                var run = RunFor(c.Run ?? runId ?? runName ?? "", runName ?? c.Run, project, time);
                if (!Numbers.TryParse(cell, out var value))
                {
                    if (run.Series.All(s => s.Alias != c.Name))
                    {
                        // A column whose first value is text (a note, a path) is not a metric; say so once.
                        _textColumns.Add(c.Index);
                        context.Report(lineNumber, $"column '{c.Name}' holds text ('{cell}'); not a metric, skipped");
                    }
                    else
                    {
                        context.Report(lineNumber, $"'{cell}' in column '{c.Name}' is not a number at step {step}");
                    }
                    continue;
                }
                var series = run.Metric(c.Name, c.Key);
                if (series.Add(step, value, lineNumber, time) && !double.IsFinite(value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{c.Name}' at step {step}");
                }
            }
        }

        private RunDraft RunFor(string key, string? name, string? project, double time)
        {
            if (!_runs.TryGetValue(key, out var run))
            {
                run = context.Run(key);
                _runs[key] = run;
                run.Name = name ?? (key.Length > 0 ? key : null);
                run.Project = project;
                if (key.Length > 0 && name is not null && name != key) run.Hyperparameters["wandb_run_id"] = key;
            }
            if (!double.IsNaN(time) && run.CreatedAt is null) run.CreatedAt = DateTime.UnixEpoch.AddSeconds(time);
            return run;
        }

        public void End()
        {
        }
    }
}

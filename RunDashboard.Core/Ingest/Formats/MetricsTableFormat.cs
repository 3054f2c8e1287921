using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// A metrics table drawn in the console (a KTO training callback prints one per logging step), with box-drawing or ASCII borders:
/// <code>
/// │    Step      │   Loss   │    LR     │ Chosen │ Reject │ Margin │ GPU Mem  │ Samp/sec │    ETA     │
/// │         5/500 │  0.6823  │  2.50e-07 │  0.342 │ -0.128 │  0.470 │   18.2GB │     12.5 │   40m 12s  │
/// │ 💾 CHECKPOINT SAVED at step 50 → ./kto_output_rtx3090/checkpoint-50                             │
/// </code>
/// The header row names the columns; units (<c>GB</c>, <c>40m 12s</c>) are read; <c>5/500</c> is step 5 of 500;
/// one-cell rows that mention a checkpoint become events. Mojibake copies of the table are repaired by the reader.
/// </summary>
public sealed class MetricsTableFormat : LineLogFormat
{
    public override string Name => "metrics-table";
    public override string Description => "Console metrics table (box-drawing, e.g. a KTO/DPO callback)";

    protected override bool ChecksDroppedLines => false;

    public override FormatMatch Match(FileSample sample)
    {
        var rows = 0;
        var header = false;
        foreach (var line in sample.Lines)
        {
            var cells = Cells(line);
            if (cells is null || cells.Count < 3) continue;
            rows++;
            if (IsHeader(cells)) header = true;
        }
        if (!header || rows < 2) return FormatMatch.None;
        return new FormatMatch(0.9, $"a table with a Step header and {rows - 1} rows in the first {sample.Lines.Count} lines");
    }

    private static readonly char[] Separators = ['│', '┃', '║', '|'];

    /// <summary>Cells of a table row, or null when the line is not one.</summary>
    internal static List<string>? Cells(ReadOnlySpan<char> line)
    {
        var trimmed = line.Trim();
        if (trimmed.Length < 2 || Array.IndexOf(Separators, trimmed[0]) < 0) return null;
        var sep = trimmed[0];
        var inner = trimmed[1..];
        if (inner.Length > 0 && inner[^1] == sep) inner = inner[..^1];
        var cells = new List<string>();
        foreach (var range in inner.Split(sep)) cells.Add(inner[range].Trim().ToString());
        return cells;
    }

    internal static bool IsHeader(List<string> cells) =>
        cells.Count >= 3 &&
        cells.Any(c => c.Equals("step", StringComparison.OrdinalIgnoreCase) || c.Equals("iter", StringComparison.OrdinalIgnoreCase) || c.Equals("iteration", StringComparison.OrdinalIgnoreCase)) &&
        cells.Count(c => c.Length > 0 && !char.IsDigit(c[0]) && c[0] != '-') >= cells.Count - 1;

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private readonly RunDraft _run = context.Run();
        private List<Column>? _columns;
        private int _stepColumn = -1;
        private long _lastStep;
        private bool _completed;

        private sealed record Column(string Name, SeriesWriter? Series, bool IsDuration);

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var cells = Cells(line);
            if (cells is null)
            {
                Text(line);
                return;
            }
            if (IsHeader(cells))
            {
                Header(cells);
                return;
            }
            if (cells.Count == 1 || (_columns is not null && cells.Count != _columns.Count))
            {
                Note(cells, lineNumber);
                return;
            }
            if (_columns is null) return;
            Row(cells, lineNumber);
        }

        private void Header(List<string> cells)
        {
            _columns = [];
            for (var i = 0; i < cells.Count; i++)
            {
                var name = cells[i];
                var lower = name.ToLowerInvariant();
                if (lower is "step" or "iter" or "iteration") { _stepColumn = i; _columns.Add(new Column(name, null, false)); continue; }
                var isDuration = lower is "eta" or "elapsed" or "time" or "remaining";
                var key = isDuration ? $"train/{lower}_seconds" : MetricKeys.Canonicalize(name);
                _columns.Add(new Column(name, name.Length == 0 ? null : _run.Metric(name, key), isDuration));
            }
        }

        private void Row(List<string> cells, int lineNumber)
        {
            var stepText = cells[_stepColumn].AsSpan();
            var slash = stepText.IndexOf('/');
            if (slash > 0 && Numbers.TryParseLong(stepText[(slash + 1)..], out var total)) _run.Hyperparameters.TryAdd("max_steps", total.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!Numbers.TryParseLong(slash > 0 ? stepText[..slash] : stepText, out var step))
            {
                context.Report(lineNumber, $"table row without a step number ('{cells[_stepColumn]}')");
                return;
            }
            _lastStep = step;
            for (var i = 0; i < cells.Count; i++)
            {
                var column = _columns![i];
                if (column.Series is null || cells[i].Length == 0 || cells[i] is "-" or "—" or "n/a") continue;
                if (!TryCell(cells[i], column.IsDuration, out var value))
                {
                    context.Report(lineNumber, $"could not read {column.Name} '{cells[i]}' at step {step}");
                    continue;
                }
                if (column.Series.Add(step, value, lineNumber) && !double.IsFinite(value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{column.Name}' at step {step}");
                }
            }
        }

        private static bool TryCell(string cell, bool isDuration, out double value)
        {
            if (isDuration) return Durations.TryParseSeconds(cell, out value);
            var span = cell.AsSpan();
            foreach (var unit in (string[])["GiB", "GB", "MiB", "MB", "%", "/s", "s"])
            {
                if (span.EndsWith(unit, StringComparison.Ordinal) && span.Length > unit.Length && (char.IsDigit(span[^(unit.Length + 1)]) || span[^(unit.Length + 1)] == ' '))
                {
                    span = span[..^unit.Length];
                    if (unit is "MB" or "MiB") return Numbers.TryParse(span, out value) && (value /= 1024) == value;
                    break;
                }
            }
            return Numbers.TryParse(span, out value);
        }

        /// <summary>A one-cell row: a checkpoint notice or a title.</summary>
        private void Note(List<string> cells, int lineNumber)
        {
            var text = string.Join(" ", cells.Where(c => c.Length > 0));
            if (text.Length == 0) return;
            var lower = text.ToLowerInvariant();
            if (lower.Contains("checkpoint") || lower.Contains("saved"))
            {
                var step = StepIn(text) ?? _lastStep;
                _run.AddEvent(step, RunEvent.Checkpoint, WithoutLeadingSymbols(text), lineNumber);
            }
            else if (lower.Contains("warning") || lower.Contains("nan"))
            {
                _run.AddEvent(StepIn(text) ?? _lastStep, RunEvent.Warning, text, lineNumber);
            }
        }

        /// <summary>"💾 CHECKPOINT SAVED…" → "CHECKPOINT SAVED…": the emoji says nothing a chart marker doesn't.</summary>
        private static string WithoutLeadingSymbols(string text)
        {
            var i = 0;
            while (i < text.Length && !char.IsLetterOrDigit(text[i])) i++;
            return text[i..];
        }

        private static long? StepIn(string text)
        {
            var i = text.IndexOf("step ", StringComparison.OrdinalIgnoreCase);
            if (i < 0) return null;
            var digits = text.AsSpan(i + 5);
            var n = 0;
            while (n < digits.Length && char.IsDigit(digits[n])) n++;
            return n > 0 && long.TryParse(digits[..n], out var s) ? s : null;
        }

        /// <summary>Lines around the table: "Save every: 50 steps" before it, "Total time: 1h 2m" after it.</summary>
        private void Text(ReadOnlySpan<char> line)
        {
            var trimmed = line.Trim();
            if (trimmed.Contains("TRAINING COMPLETED", StringComparison.OrdinalIgnoreCase)) { _completed = true; return; }
            var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0 || colon > 40) return;
            var name = trimmed[..colon].ToString().ToLowerInvariant().Replace(' ', '_');
            var value = trimmed[(colon + 2)..].Trim().ToString();
            switch (name)
            {
                case "save_every": _run.Hyperparameters["save_steps"] = FirstWord(value); break;
                case "keep_last": _run.Hyperparameters["save_total_limit"] = FirstWord(value); break;
                case "output_dir": _run.Hyperparameters["output_dir"] = value; break;
                case "total_time" when Durations.TryParseSeconds(value, out var seconds): _run.Summary["total_time_seconds"] = seconds; break;
                case "total_steps" when Numbers.TryParse(FirstWord(value), out var steps): _run.Summary["total_steps"] = steps; break;
                case "average_speed" when Numbers.TryParse(FirstWord(value), out var speed): _run.Summary["average_steps_per_second"] = speed; break;
                default:
                    if (_completed && Numbers.TryParse(FirstWord(value), out var number)) _run.Summary[name] = number;
                    else if (!_completed && _columns is null) _run.Hyperparameters[name] = value;
                    break;
            }
        }

        private static string FirstWord(string value)
        {
            var space = value.IndexOf(' ');
            return space < 0 ? value : value[..space];
        }

        public void End()
        {
        }
    }
}

using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Key/value boxes, one per logging dump, as the logger of stable-baselines3 (and OpenAI baselines before it) prints
/// them to the console:
/// <code>
/// -----------------------------------------
/// | rollout/                |             |
/// |    ep_rew_mean          | 1.53        |
/// | time/                   |             |
/// |    total_timesteps      | 4096        |
/// | train/                  |             |
/// |    loss                 | -0.00948    |
/// -----------------------------------------
/// </code>
/// A row with an empty value names a section (<c>train/</c>) that prefixes the keys below it. Each box is one step:
/// its count of environment steps (<c>total_timesteps</c>) when it has one, as reinforcement-learning loggers plot
/// against it, else its finest step name (<c>step</c>, <c>iterations</c>, <c>n_updates</c>…).
/// </summary>
public sealed class KeyValueBoxFormat : LineLogFormat
{
    public override string Name => "key-value-boxes";
    public override string Description => "Key/value boxes (stable-baselines3 / OpenAI baselines logger output)";

    // The rows are read when their box closes; a row must not be taken for a metric line the parser passed over.
    protected override bool ChecksDroppedLines => false;

    // "|    loss   | 0.1 |": the first cell is a key, never a timestamp or rank prefix.
    protected override bool StripsPrefixes => false;

    public override FormatMatch Match(FileSample sample)
    {
        var borders = 0;
        var rows = 0;
        foreach (var line in sample.Lines)
        {
            if (IsBorder(line)) borders++;
            else if (Row(line) is { Value: not null }) rows++;
        }
        // Two boxes at least (four borders) with more key/value rows than borders: dumps, not a drawn table.
        if (borders < 4 || rows < borders) return FormatMatch.None;
        return new FormatMatch(0.9, $"{rows} '| key | value |' rows in {borders / 2} boxes in the first {sample.Lines.Count} lines");
    }

    /// <summary>A box's top or bottom edge: dashes only (the logger sizes it to the widest row).</summary>
    internal static bool IsBorder(ReadOnlySpan<char> line)
    {
        var t = line.Trim();
        return t.Length >= 5 && !t.ContainsAnyExcept('-');
    }

    /// <summary>A two-cell row: its key and value (null for a section row), or null when the line is not one.</summary>
    internal static (string Key, double? Value)? Row(ReadOnlySpan<char> line)
    {
        var cells = MetricsTableFormat.Cells(line);
        if (cells is not { Count: 2 } || cells[0].Length == 0) return null;
        var key = cells[0];
        if (cells[1].Length == 0) return key.EndsWith('/') ? (key, null) : null;
        if (!Numbers.TryParse(cells[1], out var value) && !Numbers.TryParseSpecialWord(cells[1], out value)) return null;
        return (key, value);
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    /// <summary>Counts of environment steps: the x axis reinforcement-learning loggers plot against.</summary>
    private static readonly string[] Timesteps = ["total_timesteps", "timesteps_total", "num_timesteps", "timesteps", "num_env_steps_sampled"];

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private readonly RunDraft _run = context.Run();
        private readonly List<(string Key, double Value, int Line)> _box = [];
        private bool _open;
        private string _section = "";
        private int _boxLine;
        private long _boxes;
        private long? _lastStep;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            if (IsBorder(line))
            {
                // Boxes follow each other edge to edge: an edge closes the open box when it has rows, else opens one.
                if (_open && _box.Count > 0) Close();
                else { _open = true; _boxLine = lineNumber; }
                return;
            }
            var row = _open ? Row(line) : null;
            if (row is not { } r)
            {
                // Text inside a box: the box was cut (or never was one); what it held so far is kept.
                if (_box.Count > 0) Close();
                _open = false;
                // The script's own prints between the boxes are not read; one with a step and a loss is reported.
                DroppedLines.Check(line, lineNumber, context);
                return;
            }
            if (r.Value is not { } value)
            {
                _section = r.Key;
                return;
            }
            // Keys above any section row keep their bare name (OpenAI baselines' boxes have no sections).
            _box.Add((_section + r.Key, value, lineNumber));
        }

        private void Close()
        {
            _boxes++;
            var stepAt = StepIndex();
            long step;
            if (stepAt >= 0) step = (long)_box[stepAt].Value;
            else
            {
                // No counter in this box: the logger printed it between two that have one; it belongs to the last.
                step = _lastStep ?? _boxes;
                if (_lastStep is not null) context.Report(_boxLine, $"a box with no step counter; its values are placed at step {step}, the previous box's");
            }
            _lastStep = step;
            for (var i = 0; i < _box.Count; i++)
            {
                if (i == stepAt) continue;
                var (key, value, line) = _box[i];
                var series = _run.Metric(key, MetricKeys.Canonicalize(key));
                if (series.Add(step, value, line) && !double.IsFinite(value))
                {
                    context.Report(line, $"non-finite value ({Numbers.Format(value)}) for '{key}' at step {step}");
                }
            }
            _box.Clear();
            _section = "";
            _open = false;
        }

        /// <summary>The box's environment-step count, else its finest integral step name; -1 when it has neither.</summary>
        private int StepIndex()
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i < _box.Count; i++)
            {
                var (key, value, _) = _box[i];
                if (value < 0 || value != Math.Floor(value)) continue;
                var name = key[(key.LastIndexOf('/') + 1)..];
                var rank = Array.IndexOf(Timesteps, name.ToLowerInvariant());
                if (rank < 0 && StepNames.Rank(name) is >= 0 and < 100 and var named) rank = Timesteps.Length + named;
                if (rank >= 0 && rank < bestRank) { bestRank = rank; best = i; }
            }
            return best;
        }

        public void End()
        {
            if (_box.Count > 0) Close();
        }
    }
}

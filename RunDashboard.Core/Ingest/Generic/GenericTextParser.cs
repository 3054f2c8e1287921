using System.Globalization;
using RunDashboard.Core.Ingest.Templates;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Generic;

/// <summary>One file's pass of <see cref="GenericTextFormat"/>; with no context it only counts (format detection).</summary>
internal sealed class GenericTextParser : ILineParser
{
    private const int MaxMetricLineLength = 4000;
    private const int MonotoneProbeLines = 3;

    /// <summary>Lines of a shape with no step kept while waiting to see whether a step line comes.</summary>
    private const int MaxBufferedLines = 64;

    private static readonly HashSet<string> EvalWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "valid", "val", "eval", "evaluation", "validation", "validating", "evaluating", "test", "dev",
    };

    private readonly ImportContext? _context;
    private readonly TemplateMiner _miner = new();
    private readonly List<State?> _states = [];
    private readonly List<LineField> _fields = [];
    private long? _currentStep;
    private int _lastStepLine;
    private int _firstStepLine;
    private int _finestStepRank = int.MaxValue;
    private bool _anyStepTemplate;
    private readonly Dictionary<string, int> _keyOwner = new(StringComparer.Ordinal);

    /// <summary>Fields of the last line of each text shape, so the next line of that shape parses only its numbers.</summary>
    private readonly Dictionary<ulong, Layout> _layouts = [];
    private const int MaxLayouts = 4096;

    private readonly record struct Layout(LineField[] Fields, int Labelled, int Words, ulong? WordDigits);

    /// <summary>A hash of the digits inside words ("Top-1", "f1", "layer_0"); numbers ("1e-05", "12") do not count.</summary>
    private static ulong WordDigits(ReadOnlySpan<char> line)
    {
        var hash = 14695981039346656037UL;
        var inWord = false;
        var inToken = false;
        foreach (var c in line)
        {
            if (c is ' ' or '\t' or ':' or '=' or ',' or ';' or '|' or '(' or ')' or '[' or ']' or '{' or '}' or '\'' or '"')
            {
                if (inWord) hash = (hash ^ ' ') * 1099511628211UL;
                inWord = inToken = false;
                continue;
            }
            if (!inToken) { inToken = true; inWord = char.IsLetter(c) || c == '_'; }
            if (inWord && char.IsAsciiDigit(c)) hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>True when reading the lines a dedicated reader passed over, beside it.</summary>
    private readonly bool _beside;

    public GenericTextParser(ImportContext? context, bool beside = false)
    {
        _context = context;
        _beside = beside;
    }

    private RunDraft? Run => _context?.Run();

    /// <summary>Lines of repeating metric shapes seen, how many shapes, and one sample (for detection).</summary>
    public (int Lines, int Shapes, string Example) MetricLineCount()
    {
        var repeating = _states.Where(s => s is { Metric: true } && s.Template.Count >= 2).ToList();
        return ((int)repeating.Sum(s => s!.Template.Count), repeating.Count, repeating.OrderByDescending(s => s!.Template.Count).FirstOrDefault()?.Template.Sample ?? "");
    }

    private readonly TextTable _table = new();

    public void Line(ReadOnlySpan<char> line, int lineNumber)
    {
        line = CompoundDurations.Collapse(_table.Rewrite(line));
        if (line.Length > MaxMetricLineLength || line.IndexOfAnyInRange('0', '9') < 0 || LooksLikeCode(line))
        {
            return;
        }
        var shape = TemplateMiner.ShapeHash(line);
        int labelled, words;
        if (_layouts.TryGetValue(shape, out var layout) && (layout.WordDigits is not { } digits || digits == WordDigits(line))
            && LineFields.ReadAgain(line, _fields, layout.Fields))
        {
            (labelled, words) = (layout.Labelled, layout.Words);
        }
        else
        {
            LineFields.Read(line, _fields, out words);
            labelled = 0;
            var digitInLabel = false;
            foreach (var f in _fields)
            {
                if (f.HasLabel) labelled++;
                digitInLabel |= f.Label.AsSpan().IndexOfAnyInRange('0', '9') >= 0;
            }
            // The shape masks digits, also those of a label: "Best test Top-1 Acc: 89.4" and "Best test Top-5 Acc:
            // 99.4" share one, so a layout whose labels hold digits serves only lines with the same digits in words.
            if (_layouts.Count >= MaxLayouts) _layouts.Clear();
            _layouts[shape] = new Layout(_fields.ToArray(), labelled, words, digitInLabel ? WordDigits(line) : null);
        }
        // "epoch 14/300" alone on a line heads the lines of that epoch, whose positions ("1/16, train_loss: …") restart.
        if (_fields.Count == 1 && _fields[0] is { HasLabel: true, Integral: true } only && StepNames.IsEpoch(only.Label)) _epochHeader = (long)only.Value;
        if (labelled == 0 || labelled * 5 < words || OnlyCheckpointNumbers(line))
        {
            Checkpoint(line, lineNumber);
            return;
        }
        var template = _miner.Add(line, lineNumber, shape);
        if (template is null) return;
        while (_states.Count <= template.Id) _states.Add(null);
        var state = _states[template.Id] ??= new State(template, IsEvalTemplate(template) || ReportsItsBest(_fields));
        state.Metric = true;
        state.Lines++;
        if (state.Lines == 1)
        {
            foreach (var f in _fields)
            {
                if (f.HasLabel && StepNames.IsEpoch(f.Label)) state.HasEpochField = true;
                if (f.Total is not null && !(f.HasLabel && StepNames.IsEpoch(f.Label))) state.HasPosition = true;
            }
            // "1000 / 2737" is read as two numbers around a slash.
            if (line.Contains(" / ", StringComparison.Ordinal)) state.HasPosition = true;
        }

        if (state.Decision == Decision.Undecided) DecideByName(state);
        if (state.Decision == Decision.Undecided && _currentStep is not null)
        {
            // With a step printed before, a line with none belongs to that step (a validation line under its
            // step). Lines of this shape seen before any step line were preamble and stay out of the series.
            state.Decision = Decision.Stepless;
            state.OnlyLine = lineNumber;
            // Lines of this shape buffered while the step lines' own shape was still being decided (its step is
            // named like no step, so it took a few lines) came after step lines: each belongs to the step before it.
            var after = state.Buffer.Where(b => b.Step is null && StepBefore(b.Line) is not null).ToList();
            state.Buffer.RemoveAll(after.Contains);
            SettingsFrom(state);
            state.Buffer.Clear();
            foreach (var b in after) WriteStepless(state, b.Line, b.Fields, StepBefore(b.Line));
        }
        switch (state.Decision)
        {
            case Decision.StepField:
                WriteWithStep(state, lineNumber);
                break;
            case Decision.Undecided:
                state.Buffer.Add(new Buffered(lineNumber, _fields.ToArray(), _currentStep));
                if (state.Buffer.Count >= MonotoneProbeLines) DecideByOrder(state, final: state.Buffer.Count >= MaxBufferedLines);
                break;
            case Decision.Stepless:
                WriteStepless(state, lineNumber, _fields.ToArray(), _currentStep);
                break;
        }
    }

    public void End()
    {
        foreach (var state in _states)
        {
            // A shape printed once after the last step line is also the run's summary ("final loss: …").
            if (state is { Decision: Decision.Stepless, Lines: 1 } && _context is not null && state.OnlyLine > _lastStepLine)
            {
                foreach (var (label, series) in state.Series) Run!.Summary[CleanLabel(label)] = series.LastValue;
            }
        }
        foreach (var state in _states)
        {
            if (state is null || state.Decision != Decision.Undecided || state.Buffer.Count == 0) continue;
            if (_anyStepTemplate)
            {
                // Only ever seen before the first step line: argument dumps and environment, i.e. settings.
                SettingsFrom(state);
                continue;
            }
            if (state.Buffer.Count >= 2) { DecideByOrder(state, final: true); continue; }
            // One line of its shape in a file with no step anywhere: the run's summary.
            if (_context is null) continue;
            foreach (var f in state.Buffer[0].Fields) if (f.HasLabel) Run!.Summary[CleanLabel(f.Label)] = f.Value;
            state.Keys.Add("summary");
        }
        if (_context is null) return;
        foreach (var state in _states.Where(s => s is { Keys.Count: > 0 }).OrderByDescending(s => s!.Lines).Take(20))
        {
            _context.AddReading(new TemplateReading(state!.Template.Text, state.Template.Sample, state.Lines, state.StepDescription, state.Keys.ToList()));
        }
    }

    /// <summary>A shape of the preamble printed once or a few times: its pairs are settings of the run.</summary>
    private void SettingsFrom(State state)
    {
        if (_context is null || state.Buffer.Count is 0 or > 3) return;
        foreach (var b in state.Buffer)
        foreach (var f in b.Fields)
        {
            if (f.HasLabel) Run!.Hyperparameters.TryAdd(CleanLabel(f.Label), Numbers.Format(f.Value));
        }
        state.Keys.Add("settings");
    }

    // Metric lines are mostly names and numbers: at least one labelled number per five words, so prose with a
    // number in it is not read as metrics.

    private static readonly string[] CodeStarts =
    [
        "if ", "elif ", "else:", "for ", "while ", "def ", "return ", "assert ", "with ", "import ", "from ", "class ", "print(", "#", "//",
        "lambda ", "raise ", "try:", "except", "yield ", "self.",
    ];

    /// <summary>
    /// Source code printed before a run (modded-nanogpt and others log their own script) holds names next to
    /// numbers too (<c>if step == 10:</c>); comparisons, augmented assignments and statements are not metrics.
    /// </summary>
    internal static bool LooksLikeCode(ReadOnlySpan<char> line)
    {
        var t = line.TrimStart();
        foreach (var start in CodeStarts)
        {
            if (t.StartsWith(start, StringComparison.Ordinal)) return true;
        }
        return t.Contains(" == ", StringComparison.Ordinal) || t.Contains(" != ", StringComparison.Ordinal) || t.Contains(" += ", StringComparison.Ordinal)
            || t.Contains(" -= ", StringComparison.Ordinal) || t.Contains(" *= ", StringComparison.Ordinal) || t.Contains(" // ", StringComparison.Ordinal);
    }

    /// <summary>
    /// Numbers that name the process or the logger, not the training: Lightning's progress bar shows its logger's
    /// version as <c>v_num=193315</c>; launchers print the rank.
    /// </summary>
    private static readonly HashSet<string> NotMetrics = new(StringComparer.OrdinalIgnoreCase)
    {
        "v_num", "rank", "local_rank", "global_rank", "node_rank", "world_size", "pid",
    };

    private static string LastWord(string label)
    {
        var l = CleanLabel(label);
        return l[(l.LastIndexOf(' ') + 1)..];
    }

    /// <summary>A labelled number that says where or who, not how the training goes.</summary>
    private static bool IsNoMetric(State state, LineField field) =>
        // "Recording summary at step 4." names the step something happened at.
        MentionsAStep(field.Label)
        // An evaluation line's epoch is the training's, repeated by every validator's line, not a result
        // ("Ep. 1 : Up. 20000 : perplexity …", "current epoch: 14 current mean dice: … at epoch: 14").
        || (state.IsEval && field.Integral && StepNames.IsEpoch(LastWord(field.Label))
            && !(state.Decision == Decision.StepField && StepNames.IsEpoch(state.StepLabel ?? "")))
        // "Train: Rank: 0" reads as the label "Train Rank".
        || NotMetrics.Contains(StepNames.WithoutSplitWord(CleanLabel(field.Label).ToLowerInvariant()));

    private static readonly string[] StepMentions = [" at step", " at iteration", " at iter", " after step", " on step", " at global step"];

    /// <summary>A label that ends by saying "at step" is prose about a step, not the name of a metric.</summary>
    private static bool MentionsAStep(string label)
    {
        var l = CleanLabel(label);
        foreach (var m in StepMentions) if (l.EndsWith(m, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// "current mean dice: 0.9157 best mean dice: 0.9157 at epoch: 14": a line that keeps the best value of a metric
    /// beside its current one is a validation report (the best is kept to choose the checkpoint by).
    /// </summary>
    private static bool ReportsItsBest(List<LineField> fields)
    {
        foreach (var best in fields)
        {
            if (!best.HasLabel || !best.Label.StartsWith("best ", StringComparison.OrdinalIgnoreCase)) continue;
            var metric = best.Label[5..].Trim();
            if (metric.Length == 0 || StepNames.Rank(metric) >= 0) continue;
            foreach (var current in fields)
            {
                if (current.HasLabel && !ReferenceEquals(current.Label, best.Label) && current.Label.EndsWith(metric, StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    private static bool IsEvalTemplate(LineTemplate template)
    {
        var tokens = template.Tokens;
        // "Test: [  30/30]": a split word before a bracketed position says what the line is, though it ends with ':'.
        if (tokens.Length > 1 && tokens[0].EndsWith(':') && EvalWords.Contains(tokens[0].TrimEnd(':')) && tokens[1].StartsWith('[')) return true;
        foreach (var token in tokens)
        {
            // "val: 1.057" names a value; "valid on 'valid' subset", "[eval]" and "Epoch(val)" say what the line is.
            if (token.EndsWith(':') || token.EndsWith('=') || token.Contains('=') || token.Contains(LineTemplate.Wildcard)) continue;
            foreach (var part in token.Split('(', ')', '[', ']'))
            {
                var t = part.Trim('|', ':', '\'', '"', ',', '=', '-', '*');
                if (EvalWords.Contains(t)) return true;
            }
        }
        return false;
    }

    private void DecideByName(State state)
    {
        var bestRank = int.MaxValue;
        string? best = null;
        // The user said which field is the step: that field, where the line has it.
        if (_context?.Hints.StepField is { Length: > 0 } hinted)
        {
            foreach (var f in _fields)
            {
                if (f.HasLabel && f.Integral && string.Equals(CleanLabel(f.Label), hinted, StringComparison.OrdinalIgnoreCase))
                {
                    state.Decision = Decision.StepField;
                    state.StepLabel = f.Label;
                    state.StepDescription = $"'{f.Label}' (as the upload's hint says)";
                    _finestStepRank = 0;
                    return;
                }
            }
        }
        foreach (var f in _fields)
        {
            if (!f.HasLabel || !f.Integral || f.Value < 0) continue;
            var rank = StepNames.Rank(f.Label);
            if (rank >= 0 && rank < bestRank) { bestRank = rank; best = f.Label; }
        }
        if (best is null || bestRank >= 100)
        {
            // An unlabelled "N/M" position is a step when nothing finer than an epoch names one.
            foreach (var f in _fields)
            {
                if (!f.HasLabel && f.Total is not null) { best = ""; bestRank = 50; break; }
            }
        }
        if (best is null) return;
        state.Decision = Decision.StepField;
        state.StepLabel = best;
        // "Test: [  30/30]  Loss: 6.615 ( 6.691)" after training lines: the position counts the evaluation's own
        // batches, not the run's steps; the line is progress, and its last one holds the evaluation's result.
        state.EvaluationProgress = state.IsEval && best.Length == 0 && _currentStep is not null;
        // A validation line that names only its epoch ("Epoch(val) [1][2]  accuracy_top-1: 22.0") in a log whose
        // training lines count steps ran when that epoch ended: its own metrics, at the epoch's last step.
        state.AtEpochEnd = bestRank >= 100 && _finestStepRank < 100 && state.IsEval;
        state.EpochLevel = bestRank >= 100 && _finestStepRank < 100 && !state.AtEpochEnd;
        state.StepDescription = best.Length == 0 ? "the N/M position" : $"'{best}'";
        if (!state.EpochLevel) _finestStepRank = Math.Min(_finestStepRank, bestRank);
    }

    /// <summary>No field is named like a step: an integer field that increases through the lines is one.</summary>
    private void DecideByOrder(State state, bool final)
    {
        var first = state.Buffer[0].Fields;
        for (var i = 0; i < first.Length; i++)
        {
            if (!first[i].Integral || first[i].Value < 0) continue;
            var increasing = true;
            for (var b = 1; b < state.Buffer.Count && increasing; b++)
            {
                var fields = state.Buffer[b].Fields;
                increasing = i < fields.Length && fields[i].Integral && fields[i].Label == first[i].Label
                    && fields[i].Value > state.Buffer[b - 1].Fields[i].Value;
            }
            if (!increasing) continue;
            state.Decision = Decision.StepField;
            state.StepIndex = i;
            state.StepLabel = first[i].Label;
            state.StepDescription = first[i].HasLabel ? $"'{first[i].Label}' (it increases line by line)" : "the number that increases line by line";
            break;
        }
        if (state.Decision == Decision.Undecided)
        {
            // No step yet: wait for one unless the stream has shown enough of this shape to read it by its order.
            if (!final) return;
            state.Decision = Decision.Stepless;
        }
        var buffered = state.Buffer.ToList();
        state.Buffer.Clear();
        foreach (var b in buffered)
        {
            if (state.Decision == Decision.StepField)
            {
                _fields.Clear();
                _fields.AddRange(b.Fields);
                WriteWithStep(state, b.Line);
            }
            else
            {
                WriteStepless(state, b.Line, b.Fields, b.Step);
            }
        }
    }

    private void WriteWithStep(State state, int lineNumber)
    {
        var stepAt = FindStep(state);
        if (stepAt < 0)
        {
            _context?.Report(lineNumber, $"this line has the shape of '{state.Template.Sample}' but no {state.StepDescription} step");
            return;
        }
        if (state.EvaluationProgress)
        {
            WriteEvaluationResult(state, stepAt, lineNumber);
            return;
        }
        var step = state.AtEpochEnd ? EndOfEpoch((long)_fields[stepAt].Value) : GlobalStep(state, stepAt);
        if (!state.EpochLevel && !state.AtEpochEnd)
        {
            _currentStep = step;
            if (_stepsByLine.Count >= MaxStepsByLine) _stepsByLine.RemoveRange(0, MaxStepsByLine / 2);
            _stepsByLine.Add((lineNumber, step));
            if (!_anyStepTemplate) _firstStepLine = lineNumber;
            _anyStepTemplate = true;
            _lastStepLine = lineNumber;
        }
        for (var i = 0; i < _fields.Count; i++)
        {
            if (i == stepAt) continue;
            var f = _fields[i];
            if (!f.HasLabel) continue;
            // "step 5/100": the total is no metric; "Epoch 3/10" next to a finer step is the epoch.
            Write(state, f, step, lineNumber, i);
        }
    }

    /// <summary>
    /// An evaluation printed batch by batch ("Test: [  30/30]  Loss: 6.615 ( 6.691)  Acc@1: …"): only its last batch
    /// (position = total) reports the evaluation, at the training step reached; a value followed by a parenthesised
    /// one reads as that one, the mean over the evaluation's batches (the first is the last batch's own).
    /// </summary>
    private void WriteEvaluationResult(State state, int stepAt, int lineNumber)
    {
        var position = _fields[stepAt];
        if (position.Total is not { } total || position.Value < total || _currentStep is not { } step) return;
        state.StepDescription = "the training step reached when the evaluation ended (its last batch)";
        if (_epochGrid is not null && _currentEpoch is { } epoch)
        {
            // Training lines print every few batches, so the last one printed is short of the epoch's end, where
            // an evaluation printed batch by batch (timm, DeiT) runs.
            step = Math.Max(step, EndOfEpoch(epoch));
            state.StepDescription = "the end of the training epoch it followed";
        }
        for (var i = 0; i < _fields.Count; i++)
        {
            var f = _fields[i];
            if (i == stepAt || !f.HasLabel) continue;
            if (i + 1 < _fields.Count && _fields[i + 1] is { HasLabel: false, Parenthesized: true } mean) f = f with { Value = mean.Value };
            Write(state, f, step, lineNumber, i);
        }
    }

    /// <summary>
    /// A position inside the epoch ("Epoch [3][10/35]", "epoch: 3/20, iter: 10/112") becomes the global iteration
    /// (epoch − first epoch number) × iterations per epoch + position, so epochs follow each other on one axis.
    /// </summary>
    private long GlobalStep(State state, int stepAt)
    {
        var field = _fields[stepAt];
        var step = (long)field.Value;
        if (field.Total is not { } perEpoch || perEpoch <= 0 || (field.HasLabel && StepNames.IsEpoch(field.Label))) return step;
        foreach (var f in _fields)
        {
            if (!f.HasLabel || !StepNames.IsEpoch(f.Label) || !f.Integral) continue;
            return OnEpochGrid(state, (long)f.Value, perEpoch, step, f.Label);
        }
        return _epochHeader is { } header ? OnEpochGrid(state, header, perEpoch, step, "the epoch line before it") : step;
    }

    /// <summary>The epoch printed on its own line last ("epoch 14/300"), heading the lines after it.</summary>
    private long? _epochHeader;

    private long OnEpochGrid(State state, long epoch, long perEpoch, long position, string epochName)
    {
        state.EpochBase ??= epoch == 0 ? 0 : 1;
        _epochGrid = (state.EpochBase.Value, perEpoch);
        _currentEpoch = epoch;
        if (state.StepDescription.Length > 0 && !state.StepDescription.Contains("epoch")) state.StepDescription += $" within '{epochName}' ((epoch − {state.EpochBase}) × {perEpoch} + position)";
        return (epoch - state.EpochBase.Value) * perEpoch + position;
    }

    /// <summary>The steps written, by the line that printed them: lines buffered undecided find their step here.</summary>
    private readonly List<(int Line, long Step)> _stepsByLine = [];
    private const int MaxStepsByLine = 4096;

    /// <summary>The step printed last before line <paramref name="line"/>, or null when none was.</summary>
    private long? StepBefore(int line)
    {
        (int Line, long Step)? best = null;
        foreach (var entry in _stepsByLine)
        {
            if (entry.Line < line && (best is null || entry.Line > best.Value.Line)) best = entry;
        }
        return best?.Step;
    }

    /// <summary>The steps of the epochs as the training lines laid them out (first epoch number, steps per epoch).</summary>
    private (long Base, long PerEpoch)? _epochGrid;

    /// <summary>The epoch of the last line placed on that grid.</summary>
    private long? _currentEpoch;

    /// <summary>The last step of an epoch: from the training lines' epoch grid, else the step printed last.</summary>
    private long EndOfEpoch(long epoch) =>
        _epochGrid is var (first, perEpoch) ? (epoch - first + 1) * perEpoch : _currentStep ?? epoch;

    private int FindStep(State state)
    {
        if (state.StepIndex >= 0) return state.StepIndex < _fields.Count ? state.StepIndex : -1;
        for (var i = 0; i < _fields.Count; i++)
        {
            var f = _fields[i];
            if (state.StepLabel!.Length == 0 ? !f.HasLabel && f.Total is not null : f.Label == state.StepLabel && f.Integral && f.Value >= 0) return i;
        }
        return -1;
    }

    private void WriteStepless(State state, int lineNumber, LineField[] fields, long? stepThen)
    {
        if (state.Buffer.Count > 0)
        {
            var waiting = state.Buffer.ToList();
            state.Buffer.Clear();
            foreach (var b in waiting) WriteStepless(state, b.Line, b.Fields, b.Step);
        }
        var step = stepThen ?? state.Ordinal + 1;
        if (stepThen is null)
        {
            state.Ordinal++;
            state.StepDescription = "the order of the lines (no step printed)";
        }
        else
        {
            state.StepDescription = "the step printed before it";
        }
        foreach (var f in fields)
        {
            if (f.HasLabel) Write(state, f, step, lineNumber, -1);
        }
    }

    private void Write(State state, LineField field, long step, int lineNumber, int position)
    {
        if (_context is null) return;
        // Lines of one shape carry their labels at the same positions, and labels are interned: a reference
        // comparison finds the series without hashing the label again.
        SeriesWriter? series = null;
        if (position >= 0 && position < State.CachedPositions && ReferenceEquals(state.LabelAt[position], field.Label)) series = state.SeriesAt[position];
        if (series is not null)
        {
            if (series.Add(step, field.Value, lineNumber) && !double.IsFinite(field.Value))
            {
                _context.Report(lineNumber, $"non-finite value ({Numbers.Format(field.Value)}) for '{field.Label}' at step {step}");
            }
            return;
        }
        if (!state.Series.TryGetValue(field.Label, out series))
        {
            if (IsNoMetric(state, field)) return;
            var key = KeyFor(field, state);
            // The epoch number itself is printed by every shape that counts epochs (a checkpoint line, a per-update
            // line): sharing it says nothing about which shape is the summary, so it is not compared.
            var sharedMetric = !StepNames.IsEpoch(field.Label);
            if (sharedMetric && _keyOwner.TryGetValue(key, out var owner) && owner != state.Template.Id && state.HasEpochField && !state.EpochLevel
                && state.HasPosition && _states[owner] is { HasPosition: false, HasEpochField: true, EpochLevel: false } summary && ToEpochLevel(summary))
            {
                // The shape seen first was the end-of-epoch summary (fairseq prints it before the next epoch's
                // updates); this one, with a position inside the epoch, holds the per-update values.
                _keyOwner[key] = state.Template.Id;
            }
            else if (sharedMetric && _keyOwner.TryGetValue(key, out owner) && owner != state.Template.Id && state.HasEpochField && !state.EpochLevel)
            {
                // A second shape with the same metrics and an epoch number is the end-of-epoch summary: its
                // values are averages over the epoch and stay out of the per-step series.
                state.EpochLevel = true;
                state.Series.Clear();
                state.Keys.Clear();
                key = KeyFor(field, state);
            }
            if (state.EpochLevel && StepNames.IsEpoch(field.Label)) return;
            _keyOwner.TryAdd(key, state.Template.Id);
            var saysSplit = SplitPrefixes.Any(p => field.Label.StartsWith(p.Prefix, StringComparison.OrdinalIgnoreCase));
            var alias = (state.IsEval && !saysSplit ? "eval " : "") + (state.EpochLevel ? "epoch " : "") + field.Label;
            // Beside a dedicated reader the canonical keys are that reader's (its "lm loss" is train/loss even when
            // another process's "loss" line comes first): these series keep the name the line used.
            series = _beside ? Run!.Metric(alias, alias) : Run!.Metric(alias, key);
            state.Series[field.Label] = series;
            state.Keys.Add(series.Key);
        }
        if (position >= 0 && position < State.CachedPositions && series is not null)
        {
            state.LabelAt[position] = field.Label;
            state.SeriesAt[position] = series;
        }
        if (series!.Add(step, field.Value, lineNumber) && !double.IsFinite(field.Value))
        {
            _context.Report(lineNumber, $"non-finite value ({Numbers.Format(field.Value)}) for '{field.Label}' at step {step}");
        }
    }

    /// <summary>Turns a shape already read as per-step into the epoch summary, while its series can still be renamed.</summary>
    private bool ToEpochLevel(State summary)
    {
        if (_context is null) return false;
        if (summary.Series.Values.Any(s => !s.NothingWritten)) return false;
        summary.EpochLevel = true;
        summary.Keys.Clear();
        foreach (var (label, series) in summary.Series.ToList())
        {
            var key = KeyFor(label, "", summary.IsEval, epochLevel: true);
            var old = series.Key;
            if (!Run!.TryRekey(series, key, "epoch " + label)) return false;
            _keyOwner.Remove(old);
            _keyOwner[key] = summary.Template.Id;
            summary.Keys.Add(key);
        }
        return true;
    }

    /// <summary>The canonical key of a field: split words (train/val/eval) say where it goes, units mark the key.</summary>
    internal static string KeyFor(LineField field, State state) => KeyFor(field.Label, field.Unit, state.IsEval, state.EpochLevel);

    internal static string KeyFor(string label, string unit, bool evalTemplate, bool epochLevel)
    {
        var name = CleanLabel(label);
        var split = evalTemplate ? "eval" : null;
        // "val: 1.057" next to "loss train: 1.062": a bare split name is that split's loss.
        if (name.ToLowerInvariant() is "val" or "valid" or "validation" or "eval" or "test") return epochLevel ? "epoch/eval_loss" : MetricKeys.EvalLoss;
        foreach (var (prefix, s) in SplitPrefixes)
        {
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                split = s == "train" && evalTemplate ? "eval" : s;
                name = name[prefix.Length..];
                break;
            }
        }
        foreach (var (end, s) in SplitSuffixes)
        {
            if (name.Length > end.Length && name.EndsWith(end, StringComparison.OrdinalIgnoreCase))
            {
                split = s == "train" && evalTemplate ? "eval" : s;
                name = name[..^end.Length];
                break;
            }
        }
        var suffix = unit switch { "ms" => "_ms", "%" => "_percent", "" or "s" or "sec" => "", _ when unit.Contains('/') => "", _ => "_" + unit.ToLowerInvariant() };
        var key = MetricKeys.Canonicalize(name + suffix);
        if (split == "eval" && key.StartsWith("train/", StringComparison.Ordinal)) key = "eval/" + key[6..];
        if (epochLevel) key = "epoch/" + key[(key.IndexOf('/') + 1)..];
        return key;
    }

    /// <summary>
    /// Split words before a metric's name, joined by a space, an underscore or a hyphen (XGBoost names every result
    /// "&lt;set&gt;-&lt;metric&gt;": <c>train-logloss</c>, <c>eval-logloss</c>).
    /// </summary>
    private static readonly (string Prefix, string Split)[] SplitPrefixes =
    [
        ("training ", "train"), ("train ", "train"), ("train_", "train"), ("train-", "train"),
        ("validation ", "eval"), ("validation_", "eval"), ("validation-", "eval"), ("valid ", "eval"), ("valid_", "eval"), ("valid-", "eval"),
        ("val ", "eval"), ("val_", "eval"), ("val-", "eval"),
        ("evaluation ", "eval"), ("eval ", "eval"), ("eval_", "eval"), ("eval-", "eval"), ("test ", "eval"), ("test_", "eval"), ("test-", "eval"),
    ];

    /// <summary>"loss train: 1.06, val: 1.05" (LitGPT) names the split after the metric.</summary>
    private static readonly (string Suffix, string Split)[] SplitSuffixes = [(" train", "train"), (" val", "eval"), (" valid", "eval"), (" eval", "eval")];

    internal static string CleanLabel(string label) => label.Trim().Trim('\'', '"', ':', '=', '-', '*').Trim();

    private static bool AnnouncesCheckpoint(ReadOnlySpan<char> line) =>
        line.Contains("checkpoint", StringComparison.OrdinalIgnoreCase) && (line.Contains("sav", StringComparison.OrdinalIgnoreCase) || line.Contains("writ", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A checkpoint announcement whose numbers all belong to it ("Saving checkpoint at 2 epochs", "Saved checkpoint
    /// 3"): the number says when, it is no metric. A metric line that also mentions a save keeps its other numbers.
    /// </summary>
    private bool OnlyCheckpointNumbers(ReadOnlySpan<char> line)
    {
        if (!AnnouncesCheckpoint(line)) return false;
        foreach (var f in _fields)
        {
            if (f.HasLabel && !f.Label.Contains("checkpoint", StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }

    private void Checkpoint(ReadOnlySpan<char> line, int lineNumber)
    {
        if (_context is null || _currentStep is null) return;
        if (AnnouncesCheckpoint(line))
        {
            Run!.AddEvent(_currentStep.Value, RunEvent.Checkpoint, line.Length > 200 ? line[..200].ToString() : line.ToString(), lineNumber);
        }
    }

    internal enum Decision { Undecided, StepField, Stepless }

    internal readonly record struct Buffered(int Line, LineField[] Fields, long? Step);

    internal sealed class State(LineTemplate template, bool isEval)
    {
        public LineTemplate Template { get; } = template;
        public bool IsEval { get; } = isEval;
        public bool Metric { get; set; }
        public long Lines { get; set; }
        public Decision Decision { get; set; }
        public string? StepLabel { get; set; }
        public int StepIndex { get; set; } = -1;
        public bool EpochLevel { get; set; }

        /// <summary>An evaluation printed with the position inside its own batches: only its last line is written.</summary>
        public bool EvaluationProgress { get; set; }

        /// <summary>An evaluation line stepped by its epoch alone: placed at the end of that epoch.</summary>
        public bool AtEpochEnd { get; set; }
        public bool HasEpochField { get; set; }

        /// <summary>The line has a position inside the epoch ("1000 / 2737", "[50/500]"): a per-update line.</summary>
        public bool HasPosition { get; set; }
        public int OnlyLine { get; set; }
        public long? EpochBase { get; set; }
        public long Ordinal { get; set; }
        public string StepDescription { get; set; } = "";
        public List<Buffered> Buffer { get; } = [];
        public Dictionary<string, SeriesWriter> Series { get; } = new(StringComparer.Ordinal);

        public const int CachedPositions = 32;
        public string?[] LabelAt { get; } = new string?[CachedPositions];
        public SeriesWriter?[] SeriesAt { get; } = new SeriesWriter?[CachedPositions];
        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);
    }
}

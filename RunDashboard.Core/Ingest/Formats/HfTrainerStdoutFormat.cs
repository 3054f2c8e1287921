using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// What Hugging Face Trainer and TRL (SFT, DPO, KTO…) print to stdout: one Python dict per logging step,
/// <code>
/// {'loss': 0.6424, 'grad_norm': 11.32, 'learning_rate': 2.7e-07, 'rewards/chosen': 0.0338, …, 'epoch': 0.05}
/// {'eval_loss': 0.61, 'eval_runtime': 12.3, …, 'epoch': 0.5}
/// {'train_runtime': 752.4, 'train_samples_per_second': 7.974, …, 'train_loss': 0.54, 'epoch': 1.0}
/// </code>
/// between tqdm redraws. The dicts carry no step: it comes from a <c>step</c> key when present, else from the
/// training progress bar (<c>10/187</c>) when it moved between every two dicts, else from the <c>epoch</c> field and
/// the steps per epoch, else from the order of the dicts (and the report says so).
/// </summary>
public sealed class HfTrainerStdoutFormat : LineLogFormat
{
    public override string Name => "hf-trainer";
    public override string Description => "Hugging Face Trainer / TRL console output";

    public override FormatMatch Match(FileSample sample)
    {
        var dicts = sample.Lines.Count(l => DictStart(l) >= 0 && (l.Contains("'loss'") || l.Contains("'eval_") || l.Contains("'learning_rate'") || l.Contains("'train_runtime'")));
        if (dicts == 0) return FormatMatch.None;
        return new FormatMatch(Math.Min(0.95, 0.6 + 0.05 * dicts), $"{dicts} Python-dict log lines ({{'loss': …}}) in the first {sample.Lines.Count} lines");
    }

    internal static int DictStart(ReadOnlySpan<char> line)
    {
        var i = line.IndexOf("{'", StringComparison.Ordinal);
        return i >= 0 ? i : line.IndexOf("{\"", StringComparison.Ordinal);
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context, reader);

    private sealed class Parser(ImportContext context, LogLineReader reader) : ILineParser
    {
        private readonly RunDraft _run = context.Run();
        private long? _trainTotal;
        private long? _loggingSteps;

        /// <summary>
        /// Dicts with no step of their own, kept until the end: the step of each is only certain once the whole
        /// sequence is known (see <see cref="StepsOfDicts"/>). Trainer prints one dict per logging step, so this
        /// holds thousands of small records, not the lines of the log.
        /// </summary>
        private readonly List<Logged> _waiting = [];

        private sealed record Logged(int Line, bool IsEval, double? Epoch, long? Bar, List<(string Key, double Value)> Values);

        /// <summary>A dict whose closing brace has not come yet: the terminal or the paste wrapped it over several lines.</summary>
        private readonly System.Text.StringBuilder _wrapped = new();
        private int _wrappedLine;
        private int _wrappedParts;

        // A Trainer dict of a few dozen keys fits in a few hundred characters; past these bounds the brace is
        // simply missing and the record is read as cut off.
        private const int MaxWrappedLines = 16;
        private const int MaxWrappedChars = 16 * 1024;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            if (_wrapped.Length > 0)
            {
                if (DictStart(line.TrimStart()) != 0)
                {
                    // Wrapping cut the line at a fixed width, inside a number as often as not ('1.19' + '4046974182129'):
                    // the pieces join with nothing between them.
                    _wrapped.Append(line);
                    _wrappedParts++;
                    if (Depth(line, ref _wrappedDepth) > 0 && _wrappedParts < MaxWrappedLines && _wrapped.Length < MaxWrappedChars) return;
                }
                FlushWrapped();
                if (DictStart(line.TrimStart()) != 0) return;
            }
            var start = DictStart(line);
            if (start < 0)
            {
                Header(line);
                return;
            }
            var dict = line[start..].TrimEnd();
            if (!IsKnownDict(dict)) return;
            _wrappedDepth = 0;
            if (Depth(dict, ref _wrappedDepth) > 0)
            {
                _wrapped.Append(dict);
                _wrappedLine = lineNumber;
                _wrappedParts = 1;
                return;
            }
            Dict(dict, lineNumber);
        }

        private int _wrappedDepth;

        private void FlushWrapped()
        {
            if (_wrapped.Length == 0) return;
            var text = _wrapped.ToString();
            _wrapped.Clear();
            Dict(text, _wrappedLine);
        }

        /// <summary>Adds the braces of <paramref name="text"/> outside quotes to <paramref name="depth"/>; returns the new depth.</summary>
        private static int Depth(ReadOnlySpan<char> text, ref int depth)
        {
            var quote = '\0';
            foreach (var c in text)
            {
                if (quote != '\0') { if (c == quote) quote = '\0'; }
                else if (c is '\'' or '"') quote = c;
                else if (c == '{') depth++;
                else if (c == '}') depth--;
            }
            return depth;
        }

        /// <summary>Trainer's banner: "Total optimization steps = 187", "Num Epochs = 1", … become hyperparameters.</summary>
        private void Header(ReadOnlySpan<char> line)
        {
            LoggingSteps(line);
            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq <= 0) return;
            var name = line[..eq].Trim();
            var value = line[(eq + 3)..].Trim();
            if (name.IsEmpty || value.IsEmpty || name.Length > 60 || !Numbers.TryParseLong(value, out var number)) return;
            var key = name.ToString().ToLowerInvariant().Replace(' ', '_');
            _run.Hyperparameters.TryAdd(key, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (key == "total_optimization_steps") _trainTotal = number;
        }

        /// <summary>
        /// The arguments dump (<c>logging_steps=10,</c>, <c>logging_steps: 10</c>, <c>"logging_steps": 10</c>) names the
        /// interval between two logged dicts, the surest grid for their steps.
        /// </summary>
        private void LoggingSteps(ReadOnlySpan<char> line)
        {
            var at = line.IndexOf("logging_steps", StringComparison.Ordinal);
            if (at < 0 || _loggingSteps is not null) return;
            var rest = line[(at + "logging_steps".Length)..].TrimStart("'\" :=");
            var digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
            if (digits == 0 || (digits < rest.Length && rest[digits] == '.') || !long.TryParse(rest[..digits], out var n) || n <= 0) return;
            _loggingSteps = n;
            _run.Hyperparameters.TryAdd("logging_steps", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        private static bool IsKnownDict(ReadOnlySpan<char> dict) =>
            dict.Contains("'loss'", StringComparison.Ordinal) || dict.Contains("\"loss\"", StringComparison.Ordinal) ||
            dict.Contains("eval_", StringComparison.Ordinal) || dict.Contains("learning_rate", StringComparison.Ordinal) ||
            dict.Contains("train_runtime", StringComparison.Ordinal) || dict.Contains("'step'", StringComparison.Ordinal);

        private void Dict(ReadOnlySpan<char> dict, int lineNumber)
        {
            var isSummary = dict.Contains("train_runtime", StringComparison.Ordinal);
            var isEval = !isSummary && (dict.Contains("'eval_", StringComparison.Ordinal) || dict.Contains("\"eval_", StringComparison.Ordinal));
            var own = isSummary ? null : OwnStep(dict);

            var values = _values;
            values.Clear();
            var pairs = new PythonDict(dict);
            double? epoch = null;
            while (pairs.MoveNext())
            {
                if (pairs.Key.SequenceEqual("step") || pairs.Key.SequenceEqual("global_step") || pairs.Key.SequenceEqual("global_step/max_steps")) continue;
                double value;
                // ms-swift and newer TRL quote every value ('loss': '2.029'); quoted text that is no number is skipped.
                if (pairs.ValueIsString)
                {
                    if (!Numbers.TryParse(pairs.Value, out value)) continue;
                }
                else if (!Numbers.TryParse(pairs.Value, out value))
                {
                    if (!(pairs.Value is "True" or "False" or "None")) context.Report(lineNumber, $"'{pairs.Key.ToString()}' is not a number ({pairs.Value.ToString()})");
                    continue;
                }
                if (pairs.Key.SequenceEqual("epoch")) epoch = value;
                if (isSummary)
                {
                    _run.Summary[pairs.Key.ToString()] = value;
                    continue;
                }
                // Eval dicts repeat the epoch of the train dict at the same step; it adds nothing.
                if (isEval && pairs.Key.SequenceEqual("epoch")) continue;
                values.Add((Intern(pairs.Key), value));
            }
            if (!pairs.Closed) context.Report(lineNumber, "log dict is cut off or malformed; the values before the break were kept");
            if (values.Count == 0 && !isSummary && pairs.Closed) context.Report(lineNumber, "log dict without numeric values");
            if (isSummary)
            {
                if (epoch is { } e) _finalEpoch = e;
                return;
            }
            if (own is { } step)
            {
                Write(step, values, lineNumber);
                return;
            }
            if (_trainTotal is null && !isEval && reader.LastProgress is { } p) _trainTotal = p.Total;
            long? bar = _trainTotal is { } total ? reader.ProgressOf(total) : null;
            if (_barIsSteady)
            {
                // The bar moved between every two dicts so far: each dict streams at its position.
                var at = isEval ? (bar is { } b && b >= _lastTrain ? b : _lastTrain) : (bar is { } p2 && p2 > _lastTrain ? p2 : _lastTrain + _barInterval);
                if (!isEval) _lastTrain = at;
                Write(at, values, lineNumber);
                return;
            }
            _waiting.Add(new Logged(lineNumber, isEval, epoch, bar, [.. values]));
            if (!isEval && ++_waitingTrain == SteadyBarProbe) TrustASteadyBar();
        }

        private readonly List<(string Key, double Value)> _values = [];
        private int _waitingTrain;
        private bool _barIsSteady;
        private long _lastTrain;
        private long _barInterval = 1;

        /// <summary>Dicts seen before the bar is trusted; past them, a bar that moved every time streams the rest.</summary>
        private const int SteadyBarProbe = 64;

        /// <summary>
        /// A bar that moved between each of the first dicts is the unbuffered case (a terminal, or <c>python -u</c>):
        /// the dicts waiting are written and the rest stream at the bar's position. Otherwise the dicts wait for the
        /// end, where the epochs and the final step place them.
        /// </summary>
        private void TrustASteadyBar()
        {
            var train = Enumerable.Range(0, _waiting.Count).Where(i => !_waiting[i].IsEval).ToList();
            if (!BarMovedEachTime(train)) return;
            var steps = new long[_waiting.Count];
            FromBar(steps);
            var gaps = train.Skip(1).Select((i, k) => steps[i] - steps[train[k]]).Order().ToList();
            _barInterval = _loggingSteps ?? Math.Max(1, gaps.Count > 0 ? gaps[gaps.Count / 2] : steps[train[0]]);
            for (var i = 0; i < _waiting.Count; i++) Write(steps[i], _waiting[i].Values, _waiting[i].Line);
            _lastTrain = steps[train[^1]];
            _waiting.Clear();
            _barIsSteady = true;
        }

        private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

        /// <summary>Every dict repeats the same keys: one string per key, not one per dict.</summary>
        private string Intern(ReadOnlySpan<char> key)
        {
            var lookup = _keys.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(key, out var known)) return known;
            var text = key.ToString();
            if (_keys.Count < 4096) _keys[text] = text;
            return text;
        }

        private double? _finalEpoch;

        private void Write(long step, List<(string Key, double Value)> values, int lineNumber)
        {
            foreach (var (key, value) in values)
            {
                var series = _run.Metric(key);
                if (series.Add(step, value, lineNumber) && !double.IsFinite(value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{series.Alias}' at step {step}");
                }
            }
        }

        /// <summary>The dict's own <c>step</c>, <c>global_step</c> or <c>global_step/max_steps</c>, when it has one.</summary>
        private static long? OwnStep(ReadOnlySpan<char> dict)
        {
            var pairs = new PythonDict(dict);
            while (pairs.MoveNext())
            {
                if ((pairs.Key.SequenceEqual("step") || pairs.Key.SequenceEqual("global_step")) && Numbers.TryParseLong(pairs.Value, out var explicitStep)) return explicitStep;
                if (pairs.Key.SequenceEqual("global_step/max_steps"))
                {
                    var slash = pairs.Value.IndexOf('/');
                    if (slash > 0 && Numbers.TryParseLong(pairs.Value[..slash], out var current)) return current;
                }
            }
            return null;
        }

        public void End()
        {
            FlushWrapped();
            var steps = StepsOfDicts();
            for (var i = 0; i < _waiting.Count; i++) Write(steps[i], _waiting[i].Values, _waiting[i].Line);
            _waiting.Clear();
        }

        /// <summary>
        /// The global step of each dict that printed none. Under <c>nohup</c> the dicts (stdout) and the tqdm bar
        /// (stderr) are flushed at different times: several dicts come out glued to one redraw, and the bar may
        /// already stand many steps past the first of them. So the bar is trusted only when it moved between every
        /// two training dicts. Otherwise Trainer's <c>epoch</c> field, which is global step ÷ steps per epoch,
        /// gives each dict its place: steps per epoch = total steps ÷ epochs (the banner, or the bar's total and the
        /// final epoch), snapped to the logging interval (<c>logging_steps</c> when printed, else the median
        /// spacing of the dicts). With neither, the dicts are numbered in order and the report says so.
        /// </summary>
        private long[] StepsOfDicts()
        {
            var steps = new long[_waiting.Count];
            var train = Enumerable.Range(0, _waiting.Count).Where(i => !_waiting[i].IsEval).ToList();
            if (BarMovedEachTime(train))
            {
                FromBar(steps);
                return steps;
            }
            if (StepsPerEpoch() is { } perEpoch && train.All(i => _waiting[i].Epoch is not null))
            {
                FromEpoch(steps, train, perEpoch);
                return steps;
            }
            if (train.Count > 0)
            {
                context.Report(_waiting[train[0]].Line, "no step numbers in the logged dicts and no steady progress bar: steps are the order of the logged dicts (1, 2, 3…)");
            }
            var interval = _loggingSteps ?? 1;
            long last = 0;
            for (var i = 0; i < steps.Length; i++)
            {
                if (!_waiting[i].IsEval) last += interval;
                steps[i] = last;
            }
            return steps;
        }

        private bool BarMovedEachTime(List<int> train)
        {
            if (train.Count == 0) return true;
            long previous = -1;
            foreach (var i in train)
            {
                if (_waiting[i].Bar is not { } bar || bar <= previous) return false;
                previous = bar;
            }
            return true;
        }

        /// <summary>Each dict at the bar's position when it was printed; an evaluation never before the training step it follows.</summary>
        private void FromBar(long[] steps)
        {
            long lastTrain = 0;
            for (var i = 0; i < steps.Length; i++)
            {
                var d = _waiting[i];
                if (!d.IsEval)
                {
                    lastTrain = steps[i] = d.Bar!.Value;
                    continue;
                }
                steps[i] = d.Bar is { } at && at >= lastTrain ? at : lastTrain;
            }
        }

        private void FromEpoch(long[] steps, List<int> train, double perEpoch)
        {
            var interval = _loggingSteps ?? MedianSpacing(train, perEpoch);
            long lastTrain = 0;
            double? lastTrainEpoch = null;
            for (var i = 0; i < steps.Length; i++)
            {
                var d = _waiting[i];
                if (!d.IsEval)
                {
                    var snapped = (long)Math.Round(d.Epoch!.Value * perEpoch / interval) * interval;
                    lastTrain = steps[i] = snapped > lastTrain ? snapped : lastTrain + interval;
                    lastTrainEpoch = d.Epoch;
                    continue;
                }
                // An evaluation printed right after the training dict of the same epoch value ran at that step;
                // one at an epoch's end ("epoch": 1.0) runs at the last step of the epoch, off the logging grid.
                if (d.Epoch is not { } e || e == lastTrainEpoch) steps[i] = lastTrain;
                else steps[i] = Math.Max(lastTrain, (long)Math.Round(e * perEpoch));
            }
        }

        /// <summary>The usual number of steps between two training dicts, read from their epochs.</summary>
        private long MedianSpacing(List<int> train, double perEpoch)
        {
            if (train.Count < 2) return Math.Max(1, (long)Math.Round(_waiting[train[0]].Epoch!.Value * perEpoch));
            var gaps = new List<double>(train.Count - 1);
            for (var k = 1; k < train.Count; k++) gaps.Add((_waiting[train[k]].Epoch!.Value - _waiting[train[k - 1]].Epoch!.Value) * perEpoch);
            gaps.Sort();
            return Math.Max(1, (long)Math.Round(gaps[gaps.Count / 2]));
        }

        /// <summary>
        /// Total optimisation steps over the number of epochs: from the banner, else the training bar's total over
        /// the epoch of the end-of-training dict (or the last epoch logged, rounded up to a whole epoch).
        /// </summary>
        private double? StepsPerEpoch()
        {
            if (_trainTotal is not { } total) return null;
            if (_run.Hyperparameters.TryGetValue("num_epochs", out var e) && double.TryParse(e, System.Globalization.CultureInfo.InvariantCulture, out var epochs) && epochs > 0) return total / epochs;
            var final = _finalEpoch ?? _waiting.Where(d => d.Epoch is not null).Select(d => Math.Ceiling(d.Epoch!.Value - 1e-9)).DefaultIfEmpty(0).Max();
            return final > 0 ? total / final : null;
        }
    }
}

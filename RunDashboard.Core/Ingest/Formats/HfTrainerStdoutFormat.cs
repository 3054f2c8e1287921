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
/// training progress bar (<c>10/187</c>), else from the order of the dicts (and the report says so).
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
        private long _step;
        private long _ordinal;
        private bool _toldOrdinal;
        private long _lastTrainStep = -1;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var start = DictStart(line);
            if (start < 0)
            {
                Header(line);
                return;
            }
            var dict = line[start..].TrimEnd();
            if (!IsKnownDict(dict)) return;
            Dict(dict, lineNumber);
        }

        /// <summary>Trainer's banner: "Total optimization steps = 187", "Num Epochs = 1", … become hyperparameters.</summary>
        private void Header(ReadOnlySpan<char> line)
        {
            var eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq <= 0) return;
            var name = line[..eq].Trim();
            var value = line[(eq + 3)..].Trim();
            if (name.IsEmpty || value.IsEmpty || name.Length > 60 || !Numbers.TryParseLong(value, out var number)) return;
            var key = name.ToString().ToLowerInvariant().Replace(' ', '_');
            _run.Hyperparameters.TryAdd(key, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (key == "total_optimization_steps") _trainTotal = number;
        }

        private static bool IsKnownDict(ReadOnlySpan<char> dict) =>
            dict.Contains("'loss'", StringComparison.Ordinal) || dict.Contains("\"loss\"", StringComparison.Ordinal) ||
            dict.Contains("eval_", StringComparison.Ordinal) || dict.Contains("learning_rate", StringComparison.Ordinal) ||
            dict.Contains("train_runtime", StringComparison.Ordinal) || dict.Contains("'step'", StringComparison.Ordinal);

        private void Dict(ReadOnlySpan<char> dict, int lineNumber)
        {
            var isSummary = dict.Contains("train_runtime", StringComparison.Ordinal);
            var isEval = !isSummary && (dict.Contains("'eval_", StringComparison.Ordinal) || dict.Contains("\"eval_", StringComparison.Ordinal));
            var step = isSummary ? 0 : StepFor(dict, isEval, lineNumber);

            var pairs = new PythonDict(dict);
            var found = 0;
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
                found++;
                if (isSummary)
                {
                    _run.Summary[pairs.Key.ToString()] = value;
                    continue;
                }
                // Eval dicts repeat the epoch of the train dict at the same step; it adds nothing.
                if (isEval && pairs.Key.SequenceEqual("epoch")) continue;
                var series = _run.Metric(pairs.Key);
                if (series.Add(step, value, lineNumber) && !double.IsFinite(value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{series.Alias}' at step {step}");
                }
            }
            if (!pairs.Closed) context.Report(lineNumber, "log dict is cut off or malformed; the values before the break were kept");
            if (found == 0 && pairs.Closed) context.Report(lineNumber, "log dict without numeric values");
        }

        /// <summary>
        /// The global step of a dict: its own <c>step</c>/<c>global_step</c>/<c>global_step/max_steps</c>; else the
        /// training bar when it moved since the last dict; else the epoch × steps per epoch, on the grid of the
        /// logging interval; else the last step + the interval. Under <c>nohup</c> several dicts come out glued to
        /// one bar redraw, so a bar that did not move never makes two dicts one point.
        /// </summary>
        private long StepFor(ReadOnlySpan<char> dict, bool isEval, int lineNumber)
        {
            var pairs = new PythonDict(dict);
            double? epoch = null;
            while (pairs.MoveNext())
            {
                if ((pairs.Key.SequenceEqual("step") || pairs.Key.SequenceEqual("global_step")) && Numbers.TryParseLong(pairs.Value, out var explicitStep)) return Train(explicitStep);
                if (pairs.Key.SequenceEqual("global_step/max_steps"))
                {
                    var slash = pairs.Value.IndexOf('/');
                    if (slash > 0 && Numbers.TryParseLong(pairs.Value[..slash], out var current)) return Train(current);
                }
                if (pairs.Key.SequenceEqual("epoch") && Numbers.TryParse(pairs.Value, out var e)) epoch = e;
            }
            if (_trainTotal is null && !isEval && reader.LastProgress is { } p) _trainTotal = p.Total;
            long? position = _trainTotal is { } total ? reader.ProgressOf(total) : null;
            if (!isEval)
            {
                if (position is { } moved && moved > _lastTrainStep) return Train(moved);
                if (epoch is { } ep && StepsPerEpoch() is { } perEpoch)
                {
                    var raw = ep * perEpoch;
                    var interval = _interval > 0 ? _interval : Math.Max(1, (long)Math.Round(raw));
                    var snapped = (long)Math.Round(raw / interval) * interval;
                    return Train(snapped > _lastTrainStep ? snapped : _lastTrainStep + interval);
                }
                if (_lastTrainStep > 0 && _interval > 0) return Train(_lastTrainStep + _interval);
            }
            if (position is { } at)
            {
                _step = at;
            }
            else if (!isEval)
            {
                if (!_toldOrdinal)
                {
                    context.Report(lineNumber, "no step numbers or progress bar in this log: steps are the order of the logged dicts (1, 2, 3…)");
                    _toldOrdinal = true;
                }
                _step = ++_ordinal;
            }
            if (!isEval) return Train(_step);
            return _lastTrainStep >= 0 && _step < _lastTrainStep ? _lastTrainStep : _step;
        }

        private long _interval;

        private long Train(long step)
        {
            if (_interval == 0 && step > 0) _interval = _run.Hyperparameters.TryGetValue("logging_steps", out var ls) && long.TryParse(ls, out var l) && l > 0 ? l : step;
            _lastTrainStep = _step = step;
            return step;
        }

        /// <summary>From the banner: total optimisation steps over the number of epochs.</summary>
        private double? StepsPerEpoch()
        {
            if (_trainTotal is not { } total) return null;
            if (_run.Hyperparameters.TryGetValue("num_epochs", out var e) && double.TryParse(e, System.Globalization.CultureInfo.InvariantCulture, out var epochs) && epochs > 0) return total / epochs;
            return null;
        }

        public void End()
        {
        }
    }
}

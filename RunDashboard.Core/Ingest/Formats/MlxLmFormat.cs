using System.Runtime.CompilerServices;
using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// The console output of <c>mlx_lm.lora</c>:
/// <code>
/// Iter 50: Train loss 2.061, Learning Rate 1.000e-05, It/sec 0.372, Tokens/sec 156.140, Trained Tokens 20880, Peak mem 7.906 GB
/// Iter 200: Val loss 2.069, Val took 28.140s
/// Iter 500: Saved adapter weights to adapters/adapters.safetensors and adapters/0000500_adapters.safetensors.
/// </code>
/// Each <c>Name value[unit]</c> pair after the colon becomes a series, so fields added by newer MLX-LM versions
/// are kept rather than dropped.
/// </summary>
public sealed class MlxLmFormat : LineLogFormat
{
    public override string Name => "mlx-lm";
    public override string Description => "MLX-LM LoRA training output";

    public override FormatMatch Match(FileSample sample)
    {
        var hits = sample.Lines.Count(l => l.StartsWith("Iter ", StringComparison.Ordinal) &&
            (l.Contains(": Train loss ", StringComparison.Ordinal) || l.Contains(": Val loss ", StringComparison.Ordinal)));
        if (hits == 0) return FormatMatch.None;
        return new FormatMatch(0.97, $"{hits} 'Iter N: Train loss …' / 'Iter N: Val loss …' lines in the first {sample.Lines.Count}");
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    private sealed class Parser(ImportContext context) : ILineParser, IByteLineParser
    {
        private readonly RunDraft _run = context.Run();
        private readonly MlxLmIterLines _iterLines = new();
        private long _lastStep;

        [MethodImpl(HotPath.Optimised)]
        public bool TryRead(ReadOnlySpan<byte> line, Span<double> values, out long step, out object shape, out int count) =>
            TryRead(_iterLines, line, values, out step, out shape, out count);

        public bool CouldRead(ReadOnlySpan<byte> line) => MlxLmIterLines.CouldRead(line);

        [MethodImpl(HotPath.Optimised)]
        public bool TryReadOnApplyingThread(ReadOnlySpan<byte> line, Span<double> values, out long step, out object shape, out int count) =>
            TryRead(_applyingIterLines ??= new MlxLmIterLines(), line, values, out step, out shape, out count);

        private MlxLmIterLines? _applyingIterLines;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool TryRead(MlxLmIterLines iterLines, ReadOnlySpan<byte> line, Span<double> values, out long step, out object shape, out int count)
        {
            var read = iterLines.TryRead(line, values, out step, out var iterShape);
            shape = iterShape;
            count = read ? iterShape.Names.Length : 0;
            return read;
        }

        public void Apply(object shape, long step, ReadOnlySpan<double> values, int lineNumber)
        {
            var iterShape = (MlxLmIterLines.Shape)shape;
            _lastStep = Math.Max(_lastStep, step);
            var writers = Writers(iterShape);
            if (!TryAppendLine(iterShape, writers, step, values, lineNumber))
            {
                for (var i = 0; i < writers.Length; i++)
                {
                    var series = writers[i] ??= MetricFor(iterShape.Names[i]);
                    series.Add(step, values[i], lineNumber);
                    // Add can start a new run or move a name to another writer: look the rest up again.
                    writers = Writers(iterShape);
                    if (!double.IsFinite(values[i])) context.Report(lineNumber, NonFinite(values[i], series, step));
                }
            }
        }

        /// <summary>
        /// The common line: every series takes its point as the next one. Then the line is counted once, the points
        /// appended, and the non-finite values reported after them (appending reports nothing, so the order of the
        /// problems is the one <see cref="SeriesWriter.Add"/> would give).
        /// </summary>
        [MethodImpl(HotPath.Optimised)]
        private bool TryAppendLine(MlxLmIterLines.Shape shape, SeriesWriter?[] writers, long step, ReadOnlySpan<double> values, int lineNumber)
        {
            if (!shape.WritersDistinct)
            {
                // Two names of a line can name one series ("loss" and "train/loss"): its second point is a repeated
                // step, which Add reports. Known once every name is looked up, and kept until the writers change.
                foreach (var w in writers) if (w is null) return false;
                if (writers.Distinct().Count() != writers.Length) return false;
                shape.WritersDistinct = true;
            }
            for (var i = 0; i < writers.Length; i++)
            {
                if (!writers[i]!.CanAppendNext(step)) return false;
            }
            var run = shape.WritersRun!;
            run.CountPoint(lineNumber);
            run.AddPoints(writers.Length);
            var nonFinite = false;
            for (var i = 0; i < writers.Length; i++)
            {
                writers[i]!.AppendNext(step, values[i], lineNumber);
                nonFinite |= !double.IsFinite(values[i]);
            }
            if (nonFinite)
            {
                for (var i = 0; i < writers.Length; i++)
                {
                    if (!double.IsFinite(values[i])) context.Report(lineNumber, NonFinite(values[i], writers[i]!, step));
                }
            }
            return true;
        }

        private static string NonFinite(double value, SeriesWriter series, long step) =>
            $"non-finite value ({Numbers.Format(value)}) for '{series.Alias}' at iteration {step}";

        /// <summary>
        /// The writers the character path would look up for the shape's names, filled on first use. They are kept
        /// per shape and forgotten when a new run starts (the step went back) or the run renamed a series.
        /// </summary>
        private SeriesWriter?[] Writers(MlxLmIterLines.Shape shape)
        {
            if (shape.WritersRun is not { Successor: null } run || run.Version != shape.WritersVersion)
            {
                Array.Clear(shape.Writers);
                shape.WritersDistinct = false;
                run = _run.Latest;
                shape.WritersRun = run;
                shape.WritersVersion = run.Version;
            }
            return shape.Writers;
        }

        private SeriesWriter MetricFor(string name) => name == "Val took" ? _run.Metric("Val took", "eval/runtime_seconds") : _run.Metric(name);

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            if (line.StartsWith("Iter ", StringComparison.Ordinal))
            {
                IterLine(line, lineNumber);
            }
            else if (line.StartsWith("Saved final weights", StringComparison.Ordinal))
            {
                _run.AddEvent(_lastStep, RunEvent.Checkpoint, line.TrimEnd('.').ToString(), lineNumber);
            }
            else if (line.StartsWith("Starting training", StringComparison.Ordinal))
            {
                var iters = line.IndexOf("iters:", StringComparison.Ordinal);
                if (iters >= 0) _run.Hyperparameters["iters"] = line[(iters + 6)..].Trim().ToString();
            }
            else if (line.StartsWith("Trainable parameters:", StringComparison.Ordinal))
            {
                _run.Hyperparameters["trainable_parameters"] = line[21..].Trim().ToString();
            }
        }

        private void IterLine(ReadOnlySpan<char> line, int lineNumber)
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || !Numbers.TryParseLong(line[5..colon], out var step))
            {
                context.Report(lineNumber, "'Iter' line without an iteration number");
                return;
            }
            _lastStep = Math.Max(_lastStep, step);
            var rest = line[(colon + 1)..].Trim();
            if (rest.StartsWith("Saved ", StringComparison.Ordinal))
            {
                _run.AddEvent(step, RunEvent.Checkpoint, rest.TrimEnd('.').ToString(), lineNumber);
                return;
            }
            var found = 0;
            foreach (var range in rest.Split(','))
            {
                var part = rest[range].Trim();
                if (part.IsEmpty) continue;
                if (!TrySplitNameValue(part, out var nameLength, out var value))
                {
                    context.Report(lineNumber, $"could not read '{part.ToString()}' on iteration {step}");
                    continue;
                }
                var name = part[..nameLength];
                // "Val took" is the time the evaluation took, not a loss: it gets a key of its own.
                var series = name.SequenceEqual("Val took") ? _run.Metric("Val took", "eval/runtime_seconds") : _run.Metric(name);
                series.Add(step, value, lineNumber);
                if (!double.IsFinite(value)) context.Report(lineNumber, NonFinite(value, series, step));
                found++;
            }
            if (found == 0) context.Report(lineNumber, "'Iter' line with no metrics");
        }

        /// <summary>Splits "Train loss 2.061", "Val took 28.140s" or "Peak mem 7.906 GB" into name and value.</summary>
        private static bool TrySplitNameValue(ReadOnlySpan<char> part, out int nameLength, out double value)
        {
            value = 0;
            nameLength = part.LastIndexOf(' ');
            if (nameLength <= 0) return false;
            var word = part[(nameLength + 1)..];
            if (word is "GB" or "MB" or "s")
            {
                var inner = part[..nameLength].LastIndexOf(' ');
                if (inner <= 0) return false;
                word = part[(inner + 1)..nameLength];
                nameLength = inner;
            }
            else if (word.EndsWith("GB") || word.EndsWith("MB")) word = word[..^2];
            else if (word.EndsWith('s') && word.Length > 1 && char.IsDigit(word[^2])) word = word[..^1];
            return Numbers.TryParse(word, out value);
        }

        public void End()
        {
        }
    }
}

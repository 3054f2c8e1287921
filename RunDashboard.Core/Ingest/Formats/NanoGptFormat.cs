using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// nanoGPT's <c>train.py</c> output (karpathy/nanoGPT):
/// <code>
/// step 250: train loss 1.9000, val loss 2.0000
/// iter 100: loss 2.3456, time 50.12ms, mfu 30.00%
/// saving checkpoint to out
/// </code>
/// The <c>step</c> lines are the periodic estimates over both splits; the <c>iter</c> lines are single batches.
/// </summary>
public sealed class NanoGptFormat : LineLogFormat
{
    public override string Name => "nanogpt";
    public override string Description => "nanoGPT train.py output";

    public override FormatMatch Match(FileSample sample)
    {
        var iter = sample.Lines.Count(l => NumberThenColon(l, "iter ") && l.Contains(": loss ", StringComparison.Ordinal));
        var step = sample.Lines.Count(l => NumberThenColon(l, "step ") && l.Contains(": train loss", StringComparison.Ordinal));
        if (iter + step == 0) return FormatMatch.None;
        return new FormatMatch(0.95, $"{iter} 'iter N: loss …' and {step} 'step N: train loss …, val loss …' lines in the first {sample.Lines.Count}");
    }

    /// <summary>"iter 100:" / "step 250:": the word, a number, a colon (llm.c's "step 1/74 |" is another trainer).</summary>
    private static bool NumberThenColon(string line, string word)
    {
        if (!line.StartsWith(word, StringComparison.Ordinal)) return false;
        var i = word.Length;
        var digits = i;
        while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
        return i > digits && i < line.Length && line[i] == ':';
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private readonly RunDraft _run = context.Run();
        private long _lastStep;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var isIter = line.StartsWith("iter ", StringComparison.Ordinal);
            var isStep = line.StartsWith("step ", StringComparison.Ordinal);
            if (!isIter && !isStep)
            {
                if (line.StartsWith("saving checkpoint", StringComparison.Ordinal)) _run.AddEvent(_lastStep, RunEvent.Checkpoint, line.ToString(), lineNumber);
                return;
            }
            var colon = line.IndexOf(':');
            if (colon < 0 || !Numbers.TryParseLong(line[5..colon], out var step))
            {
                context.Report(lineNumber, "no step number before ':'");
                return;
            }
            _lastStep = step;
            var unreadable = new List<string>();
            foreach (var pair in MetricPairs.Read(line[(colon + 1)..], unreadable))
            {
                var key = (isIter, pair.Name) switch
                {
                    (true, "loss") => MetricKeys.TrainLoss,
                    (true, "time") => "train/iteration_time_ms",
                    (true, "mfu") => "train/mfu_percent",
                    (false, "train loss") => "eval/train_loss",
                    (false, "val loss") => MetricKeys.EvalLoss,
                    _ => MetricKeys.Canonicalize(pair.Name),
                };
                var series = _run.Metric((isIter ? "iter " : "step ") + pair.Name, key);
                if (series.Add(step, pair.Value, lineNumber) && !double.IsFinite(pair.Value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(pair.Value)}) for '{pair.Name}' at step {step}");
                }
            }
            foreach (var bad in unreadable) context.Report(lineNumber, $"could not read '{bad}'");
        }

        public void End()
        {
        }
    }
}

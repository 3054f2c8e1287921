using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Megatron-LM (and NeMo's Megatron trainer) iteration lines, fields separated by <c>|</c>:
/// <code>
///  iteration      100/  500000 | consumed samples: 3200 | elapsed time per iteration (ms): 512.3 | learning rate: 3.000E-04 | global batch size:    32 | lm loss: 7.212E+00 | loss scale: 1.0 | grad norm: 2.345 | number of skipped iterations:   0 | number of nan iterations:   0 |
///  validation loss at iteration 1000 | lm loss value: 6.512E+00 | lm loss PPL: 6.727E+02 |
/// </code>
/// </summary>
public sealed class MegatronFormat : LineLogFormat
{
    public override string Name => "megatron";
    public override string Description => "Megatron-LM / NeMo iteration log";

    public override FormatMatch Match(FileSample sample)
    {
        var hits = sample.Lines.Count(l => l.TrimStart().StartsWith("iteration ", StringComparison.Ordinal) && l.Contains('|') && l.Contains("loss", StringComparison.Ordinal));
        return hits == 0 ? FormatMatch.None : new FormatMatch(0.95, $"{hits} 'iteration N/ M | … | lm loss: …' lines in the first {sample.Lines.Count}");
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private readonly RunDraft _run = context.Run();

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var t = line.Trim();
            var validation = t.StartsWith("validation loss at iteration", StringComparison.Ordinal);
            if (!validation && !t.StartsWith("iteration ", StringComparison.Ordinal)) return;
            var first = t.IndexOf('|');
            if (first < 0) return;
            var head = t[..first];
            var digits = head[(validation ? 28 : 10)..].Trim();
            // Megatron-DeepSpeed says where the validation ran: "validation loss at iteration 20 on 160-sample draw
            // from validation set |"; the iteration is the leading number.
            if (validation)
            {
                var end = 0;
                while (end < digits.Length && char.IsAsciiDigit(digits[end])) end++;
                digits = digits[..end];
            }
            var slash = digits.IndexOf('/');
            if (slash > 0 && Numbers.TryParseLong(digits[(slash + 1)..], out var total)) _run.Hyperparameters.TryAdd("train_iters", total.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!Numbers.TryParseLong(slash > 0 ? digits[..slash] : digits, out var step))
            {
                context.Report(lineNumber, "iteration line without an iteration number");
                return;
            }
            var fields = t[(first + 1)..];
            foreach (var range in fields.Split('|'))
            {
                var field = fields[range].Trim();
                var colon = field.LastIndexOf(':');
                if (colon <= 0) continue;
                var name = field[..colon].Trim().ToString();
                if (!Numbers.TryParse(field[(colon + 1)..], out var value))
                {
                    context.Report(lineNumber, $"could not read '{field.ToString()}' at iteration {step}");
                    continue;
                }
                var key = (validation, name) switch
                {
                    (false, "lm loss") => MetricKeys.TrainLoss,
                    (false, "learning rate") => MetricKeys.LearningRate,
                    (false, "grad norm") => MetricKeys.GradNorm,
                    (false, "elapsed time per iteration (ms)") => "train/iteration_time_ms",
                    (true, "lm loss value") => MetricKeys.EvalLoss,
                    (true, "lm loss PPL") => "eval/ppl",
                    (true, _) => "eval/" + name.Replace(' ', '_'),
                    _ => "train/" + name.Replace(' ', '_').Replace("(", "").Replace(")", ""),
                };
                var series = _run.Metric((validation ? "validation " : "") + name, key);
                if (series.Add(step, value, lineNumber) && !double.IsFinite(value))
                {
                    context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{name}' at iteration {step}");
                }
            }
        }

        public void End()
        {
        }
    }
}

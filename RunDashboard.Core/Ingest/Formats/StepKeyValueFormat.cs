using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Custom training loops that print a step and <c>key=value</c> pairs (distillation loops print their loss components this way) — and, as the
/// fallback for any trainer we do not know, lines with a step number and <c>key=value</c> / <c>key: value</c> pairs:
/// <code>
/// Step 1118: loss=15.7221, lr=0.00e+00, it/s=2.48
/// Step 1118: [Warning] lm_loss produced non-finite value (nan); clamping to zero.
/// Eval at step 2000: loss=95.86, kd=14.85, feature=41.22, attention=0.47
/// [Config] alpha_kd=0.7 alpha_feature=0.1 alpha_attention=0.1 temperature=2.0 kd_top_k=256
/// [Scheduler] Warmup steps: 467 (10.0%)
/// </code>
/// In a line with a <c>loss</c>, other unknown values are that loss's components: <c>eval/loss/kd</c>.
/// </summary>
public sealed class StepKeyValueFormat : LineLogFormat
{
    /// <summary>Names that are metrics of their own, never components of a loss.</summary>
    private static readonly HashSet<string> NotComponents = new(StringComparer.OrdinalIgnoreCase)
    {
        "lr", "learning_rate", "it/s", "s/it", "epoch", "grad_norm", "gnorm", "ppl", "perplexity", "acc", "accuracy",
        "tokens", "tok/s", "tokens/s", "tokens_per_second", "samples/s", "time", "elapsed", "mfu", "mem", "memory",
        "throughput", "step", "iter", "scale", "loss_scale", "batch_size", "dt", "eta",
    };

    public override string Name => "step-kv";
    public override string Description => "Step/eval key=value log (custom training loops)";

    public override FormatMatch Match(FileSample sample)
    {
        var specific = 0;
        var generic = 0;
        foreach (var line in sample.Lines)
        {
            if (StartsWithStep(line, out _, out _, out _))
            {
                if (line.Contains('=')) specific++;
                else generic++;
            }
        }
        if (specific > 0) return new FormatMatch(Math.Min(0.9, 0.6 + 0.02 * specific), $"{specific} 'Step N: key=value' lines in the first {sample.Lines.Count}");
        if (generic >= 3 && generic * 5 >= sample.Lines.Count)
        {
            return new FormatMatch(0.4, $"{generic} of the first {sample.Lines.Count} lines start with a step number and carry 'key: value' pairs (generic fallback)");
        }
        return FormatMatch.None;
    }

    /// <summary>
    /// "Step 50: …", "Eval at step 2000: …", "step: 100, loss: 2.3", "[step 100] loss=…", "iteration 7 | loss: …"
    /// → the step, whether it is an evaluation, and where the pairs begin.
    /// </summary>
    internal static bool StartsWithStep(ReadOnlySpan<char> line, out long step, out bool eval, out int rest)
    {
        step = 0;
        rest = 0;
        var t = line.TrimStart(" [".AsSpan());
        var offset = line.Length - t.Length;
        eval = t.StartsWith("eval", StringComparison.OrdinalIgnoreCase) || t.StartsWith("val", StringComparison.OrdinalIgnoreCase)
            || t.StartsWith("validation", StringComparison.OrdinalIgnoreCase);
        var at = -1;
        foreach (var word in (string[])["global_step", "iteration", "step", "iter"])
        {
            var i = t.IndexOf(word, StringComparison.OrdinalIgnoreCase);
            // Only words before the step ("Eval at step 2000:"), not other fields ("epoch: 0|step: 5|").
            if (i >= 0 && i <= 20 && !t[..i].ContainsAny(":|=0123456789")) { at = i + word.Length; break; }
        }
        if (at < 0) return false;
        var p = at;
        while (p < t.Length && (t[p] is ' ' or ':' or '=' or '#')) p++;
        var digits = p;
        while (p < t.Length && char.IsDigit(t[p])) p++;
        if (p == digits || !long.TryParse(t[digits..p], NumberStyles.None, CultureInfo.InvariantCulture, out step)) return false;
        // "5/500" style totals are skipped with the step.
        if (p < t.Length && t[p] == '/') { p++; while (p < t.Length && (char.IsDigit(t[p]) || t[p] == ' ')) p++; }
        while (p < t.Length && (t[p] is ' ' or ':' or ']' or ',' or '|' or '-')) p++;
        rest = offset + p;
        var remainder = t[p..];
        return remainder.Contains('=') || remainder.Contains(':') || remainder.StartsWith("[") || MetricPairs.Read(remainder).Count > 0;
    }

    /// <summary>
    /// <c>losses/q1_loss 65.3581 193000</c>: a TensorBoard-style scalar as RL scripts echo what they log (tag, value,
    /// global step), printed between their <c>global_step=…, episodic_return=…</c> lines. The tag holds a slash, the
    /// value may be a one-element list (<c>[0.0157]</c>, a tensor printed as such) and the step is a whole number.
    /// </summary>
    internal static bool TryScalarLine(ReadOnlySpan<char> line, out string tag, out double value, out long step)
    {
        tag = "";
        value = 0;
        step = 0;
        var firstSpace = line.IndexOf(' ');
        var lastSpace = line.LastIndexOf(' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace) return false;
        var name = line[..firstSpace];
        var slash = name.IndexOf('/');
        if (slash <= 0 || slash == name.Length - 1 || !char.IsLetter(name[0])) return false;
        foreach (var ch in name) if (!(char.IsLetterOrDigit(ch) || ch is '_' or '/' or '-' or '.')) return false;
        var valueText = line[firstSpace..lastSpace].Trim();
        if (valueText.Length > 2 && valueText[0] == '[' && valueText[^1] == ']') valueText = valueText[1..^1].Trim();
        if (!Numbers.TryParse(valueText, out value)) return false;
        if (!long.TryParse(line[(lastSpace + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step)) return false;
        tag = name.ToString();
        return true;
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    private sealed class Parser(ImportContext context) : ILineParser
    {
        private readonly RunDraft _run = context.Run();
        private readonly List<string> _unreadable = [];
        private long _lastStep;
        private bool _sawStep;

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            var trimmed = line.Trim();
            if (StartsWithStep(trimmed, out var step, out var eval, out var rest))
            {
                _lastStep = Math.Max(_lastStep, step);
                _sawStep = true;
                var body = trimmed[rest..];
                if (body.StartsWith("[")) { Tagged(body, step, lineNumber); return; }
                Metrics(body, step, eval, lineNumber);
                return;
            }
            if (TryScalarLine(trimmed, out var tag, out var value, out var ownStep))
            {
                _lastStep = Math.Max(_lastStep, ownStep);
                _sawStep = true;
                Write(tag, tag, MetricKeys.Canonicalize(tag), ownStep, value, lineNumber);
                return;
            }
            if (trimmed.StartsWith("[")) Tagged(trimmed, _lastStep, lineNumber);
            else if (_sawStep && trimmed.Contains('=')) PairsOfLastStep(trimmed, lineNumber);
        }

        /// <summary>
        /// A line of <c>key=value</c> pairs with no step of its own, after a step line, reports on that step:
        /// DeepSpeed follows <c>[Rank 0] step=40, skipped=2, lr=[5e-05]</c> with its timer's
        /// <c>0/40, SamplesPerSec=83.5, MemAllocated=0.26GB</c>. Only the <c>=</c> pairs that hold a number are read;
        /// the rest of such a line ("0/40", words, "path=out/") is the trainer's own text, not a value that failed to read.
        /// A line needs two such pairs, comma-separated: one <c>name=value</c> a line under a step header is OLMo's
        /// block layout, whose values print thousands separators ("Perplexity=9,097") the generic reader reads whole.
        /// </summary>
        private void PairsOfLastStep(ReadOnlySpan<char> line, int lineNumber)
        {
            if (!line.Contains(", ", StringComparison.Ordinal)) return;
            var text = line.ToString();
            var pairs = MetricPairs.Read(text);
            pairs.RemoveAll(p => !text.Contains(p.Name + "=", StringComparison.Ordinal));
            if (pairs.Count < 2) return;
            foreach (var pair in pairs) Write(pair.Name, pair.Name, KeyFor("train", pair, lineHasLoss: false), _lastStep, pair.Value, lineNumber);
        }

        private void Metrics(ReadOnlySpan<char> body, long step, bool eval, int lineNumber)
        {
            _unreadable.Clear();
            var pairs = MetricPairs.Read(body, _unreadable);
            foreach (var bad in _unreadable) context.Report(lineNumber, $"could not read '{bad}' at step {step}");
            if (pairs.Count == 0) return;
            var split = eval ? "eval" : "train";
            var hasLoss = pairs.Any(p => p.Name.Equals("loss", StringComparison.OrdinalIgnoreCase));
            foreach (var pair in pairs) Write(eval ? "eval " + pair.Name : pair.Name, pair.Name, KeyFor(split, pair, hasLoss), step, pair.Value, lineNumber);
        }

        /// <summary>A point of the series <paramref name="name"/>; a non-finite value is reported under the name the line printed.</summary>
        private void Write(string name, string printedName, string key, long step, double value, int lineNumber)
        {
            if (_run.Metric(name, key).Add(step, value, lineNumber) && !double.IsFinite(value))
            {
                context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{printedName}' at step {step}");
            }
        }

        private static string KeyFor(string split, MetricPairs.Pair pair, bool lineHasLoss)
        {
            var name = pair.Name;
            if (name.Equals("loss", StringComparison.OrdinalIgnoreCase)) return split + "/loss";
            if (name.EndsWith("_loss", StringComparison.OrdinalIgnoreCase) && !name.Equals("train_loss", StringComparison.OrdinalIgnoreCase) && !name.Equals("val_loss", StringComparison.OrdinalIgnoreCase))
            {
                return $"{split}/loss/{name[..^5].ToLowerInvariant()}";
            }
            if (lineHasLoss && !NotComponents.Contains(name) && !name.Contains('/') && !name.Contains(' '))
            {
                return $"{split}/loss/{name.ToLowerInvariant()}";
            }
            var unit = pair.Unit switch { "ms" => "_ms", "%" => "_percent", "" or "s" => "", _ => "_" + pair.Unit.ToLowerInvariant() };
            var key = MetricKeys.Canonicalize(name + unit);
            return split == "eval" && key.StartsWith("train/", StringComparison.Ordinal) ? "eval/" + key[6..] : key;
        }

        /// <summary>"[Warning] …" → an event; "[Config] a=1 b=2" and "[Scheduler] Warmup steps: 467" → hyperparameters.</summary>
        private void Tagged(ReadOnlySpan<char> text, long step, int lineNumber)
        {
            var close = text.IndexOf(']');
            if (close < 0) return;
            var tag = text[1..close].Trim();
            var body = text[(close + 1)..].Trim();
            if (tag.Equals("warning", StringComparison.OrdinalIgnoreCase) || tag.Equals("error", StringComparison.OrdinalIgnoreCase))
            {
                _run.AddEvent(step, RunEvent.Warning, $"[{tag.ToString()}] {body.ToString()}", lineNumber);
                return;
            }
            if (tag.Equals("info", StringComparison.OrdinalIgnoreCase) || tag.Equals("debug", StringComparison.OrdinalIgnoreCase)) return;
            if (body.Contains('='))
            {
                foreach (var r in body.Split(' '))
                {
                    var token = body[r];
                    var eq = token.IndexOf('=');
                    if (eq > 0) _run.Hyperparameters[token[..eq].ToString()] = token[(eq + 1)..].TrimEnd(',').ToString();
                }
                return;
            }
            var colon = body.IndexOf(':');
            if (colon > 0)
            {
                var name = body[..colon].Trim().ToString().ToLowerInvariant().Replace(' ', '_');
                var value = body[(colon + 1)..].Trim();
                var paren = value.IndexOf('(');
                if (paren > 0) value = value[..paren].Trim();
                _run.Hyperparameters[name] = Numbers.TryParseLong(value, out var n) ? n.ToString(CultureInfo.InvariantCulture) : value.ToString();
            }
            else if (body.StartsWith("Loaded ", StringComparison.OrdinalIgnoreCase))
            {
                _run.Hyperparameters[tag.ToString().ToLowerInvariant() + "_file"] = body[7..].Trim().ToString();
            }
        }

        public void End()
        {
        }
    }
}

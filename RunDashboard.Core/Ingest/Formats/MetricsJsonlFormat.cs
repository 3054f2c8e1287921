using System.Text.Json;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// One JSON object per line: LLaMA-Factory's <c>trainer_log.jsonl</c> (<c>current_steps</c>, <c>loss</c>, <c>lr</c>,
/// <c>eval_loss</c>, <c>elapsed_time</c>), W&amp;B history exports as JSONL (<c>_step</c>, <c>_timestamp</c>, <c>run_id</c>),
/// and any JSON-lines log with a step key.
/// </summary>
public sealed class MetricsJsonlFormat : LineLogFormat
{
    public override string Name => "metrics-jsonl";
    public override string Description => "Metrics JSON lines (LLaMA-Factory trainer_log.jsonl, W&B JSONL export)";

    protected override bool StripsPrefixes => false;

    protected override bool ChecksDroppedLines => false;

    public override FormatMatch Match(FileSample sample)
    {
        if (sample.RawLines.Count == 0 || !sample.RawLines[0].TrimStart().StartsWith('{')) return FormatMatch.None;
        var withStep = 0;
        var broken = 0;
        var kind = "";
        foreach (var line in sample.RawLines.Take(20))
        {
            try
            {
                using var doc = JsonDocument.Parse(ExtendedJson.Quote(line));
                if (doc.RootElement.ValueKind != JsonValueKind.Object) continue;
                var stepped = false;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (HistoryColumns.Classify(p.Name) is not (HistoryColumns.Role.Step or HistoryColumns.Role.Progress)) continue;
                    stepped = true;
                    kind = p.Name switch { "current_steps" => "LLaMA-Factory", "_step" => "W&B", "global_step/max_steps" => "ms-swift", _ => kind };
                    break;
                }
                if (!stepped && WholeEpoch(doc.RootElement) is not null)
                {
                    stepped = true;
                    kind = "one line per epoch";
                }
                if (stepped) withStep++;
            }
            catch (JsonException)
            {
                broken++;
            }
        }
        if (withStep == 0 || broken > withStep) return FormatMatch.None;
        var named = sample.BaseName == "trainer_log.jsonl" ? "named trainer_log.jsonl, " : "";
        return new FormatMatch(0.9, $"{named}{withStep} JSON lines with a step key{(kind.Length > 0 ? $" ({kind})" : "")}");
    }

    protected override ILineParser Begin(ImportContext context, LogLineReader reader) => new Parser(context);

    /// <summary>
    /// DeiT-style <c>log.txt</c> (timm descendants write one JSON object per epoch: <c>{"train_lr": …, "train_loss": …,
    /// "test_acc1": …, "epoch": 100}</c>): with no step key, a whole-number epoch is the line's step.
    /// </summary>
    private static long? WholeEpoch(JsonElement root) =>
        root.TryGetProperty("epoch", out var epoch) && epoch.ValueKind == JsonValueKind.Number && epoch.TryGetInt64(out var e) && e >= 0 ? e : null;

    /// <summary>ms-swift's <c>"global_step/max_steps": "1/294"</c>.</summary>
    private static (long Current, long Total)? Progress(string? text)
    {
        var slash = text?.IndexOf('/') ?? -1;
        return slash > 0 && long.TryParse(text![..slash], out var current) && long.TryParse(text[(slash + 1)..], out var total) ? (current, total) : null;
    }

    private sealed class Parser(ImportContext context) : ILineParser
    {
        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(ExtendedJson.Quote(line.ToString()));
            }
            catch (JsonException ex)
            {
                context.Report(lineNumber, $"not a JSON object: {ex.Message}");
                return;
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return;
                long? step = null;
                long? run0Total = null;
                var time = double.NaN;
                string runKey = "", name = "";
                foreach (var p in root.EnumerateObject())
                {
                    switch (HistoryColumns.Classify(p.Name))
                    {
                        case HistoryColumns.Role.Step when JsonSettings.TryGetNumber(p.Value, out var s): step ??= (long)s; break;
                        case HistoryColumns.Role.Progress when p.Value.ValueKind == JsonValueKind.String && Progress(p.Value.GetString()) is { } at:
                            step ??= at.Current;
                            run0Total = at.Total;
                            break;
                        case HistoryColumns.Role.Timestamp when JsonSettings.TryGetNumber(p.Value, out var t): time = t; break;
                        case HistoryColumns.Role.RunId: runKey = p.Value.ToString(); break;
                        case HistoryColumns.Role.RunName: name = p.Value.ToString(); break;
                    }
                }
                var byEpoch = false;
                if (step is null && WholeEpoch(root) is { } epochStep)
                {
                    step = epochStep;
                    byEpoch = true;
                }
                if (step is null)
                {
                    context.Report(lineNumber, "JSON line without a step key; skipped");
                    return;
                }
                var run = context.Run(runKey.Length > 0 ? runKey : name);
                if (run0Total is { } max) run.Hyperparameters.TryAdd("max_steps", max.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (name.Length > 0) run.Name ??= name;
                if (!double.IsNaN(time)) run.CreatedAt ??= DateTime.UnixEpoch.AddSeconds(time);
                var isEval = root.EnumerateObject().Any(p => p.Name.StartsWith("eval_", StringComparison.Ordinal));
                foreach (var p in root.EnumerateObject())
                {
                    var role = HistoryColumns.Classify(p.Name);
                    if (p.NameEquals("total_steps") && p.Value.TryGetInt64(out var total)) run.Hyperparameters.TryAdd("max_steps", total.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (role != HistoryColumns.Role.Metric || ((isEval || byEpoch) && p.NameEquals("epoch"))) continue;
                    // Evaluation records repeat training bookkeeping (memory, speed) at the step just logged.
                    if (isEval && !p.Name.StartsWith("eval_", StringComparison.Ordinal) && run.HasSeriesAt(p.Name, step.Value)) continue;
                    double value;
                    string key;
                    if (p.NameEquals("elapsed_time") && p.Value.ValueKind == JsonValueKind.String && Durations.TryParseSeconds(p.Value.GetString(), out value))
                    {
                        if (isEval) continue;
                        key = "train/elapsed_seconds";
                    }
                    else if (JsonSettings.TryGetNumber(p.Value, out value))
                    {
                        key = HistoryColumns.MetricKey(p.Name);
                    }
                    else continue;
                    var series = run.Metric(p.Name, key);
                    if (series.Add(step.Value, value, lineNumber, time) && !double.IsFinite(value))
                    {
                        context.Report(lineNumber, $"non-finite value ({Numbers.Format(value)}) for '{p.Name}' at step {step}");
                    }
                }
            }
        }

        public void End()
        {
        }
    }
}

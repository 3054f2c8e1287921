using System.Text.Json;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Hugging Face Trainer's <c>trainer_state.json</c>: every logged dict in <c>log_history</c> with its <c>step</c>,
/// plus <c>global_step</c>, <c>max_steps</c>, <c>best_metric</c> and <c>best_model_checkpoint</c>.
/// </summary>
public sealed class TrainerStateFormat : ILogFormat
{
    public string Name => "hf-trainer-state";
    public string Description => "Hugging Face trainer_state.json";

    public FormatMatch Match(FileSample sample)
    {
        var text = sample.TextStart;
        if (!text.StartsWith('{')) return FormatMatch.None;
        var hasHistory = text.Contains("\"log_history\"", StringComparison.Ordinal);
        if (sample.BaseName == "trainer_state.json") return new FormatMatch(0.99, "named trainer_state.json");
        return hasHistory ? new FormatMatch(0.9, "a JSON object with a \"log_history\" array") : FormatMatch.None;
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var max = context.Limits.MaxJsonBytesInMemory;
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max) throw new FormatException($"the JSON document is larger than Limits:MaxJsonBytesInMemory ({max:N0} bytes)");
        }
        using var doc = JsonDocument.Parse(ExtendedJson.Quote(buffer.ToArray()), JsonSettings.Lenient);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object with \"log_history\"");
        var run = context.Run();

        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "log_history":
                    History(p.Value, run, context);
                    break;
                case "best_metric" when JsonSettings.TryGetNumber(p.Value, out var best):
                    run.Summary["best_metric"] = best;
                    break;
                case "global_step" when JsonSettings.TryGetNumber(p.Value, out var g):
                    run.Summary["global_step"] = g;
                    break;
                case "best_model_checkpoint" when p.Value.ValueKind == JsonValueKind.String:
                    run.Hyperparameters["best_model_checkpoint"] = p.Value.GetString()!;
                    break;
                case "stateful_callbacks" or "trial_params" or "trial_name":
                    break;
                default:
                    if (p.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False)
                    {
                        JsonSettings.Flatten(p.Value, p.Name, run.Hyperparameters);
                    }
                    break;
            }
        }
    }

    private static void History(JsonElement history, RunDraft run, ImportContext context)
    {
        if (history.ValueKind != JsonValueKind.Array) throw new FormatException("\"log_history\" is not an array");
        var index = 0;
        foreach (var entry in history.EnumerateArray())
        {
            index++;
            if (entry.ValueKind != JsonValueKind.Object) continue;
            if (!entry.TryGetProperty("step", out var stepElement) || !stepElement.TryGetInt64(out var step))
            {
                context.Report(0, $"log_history[{index - 1}] has no step; skipped");
                continue;
            }
            var isSummary = entry.TryGetProperty("train_runtime", out _);
            var isEval = !isSummary && entry.EnumerateObject().Any(p => p.Name.StartsWith("eval_", StringComparison.Ordinal));
            foreach (var p in entry.EnumerateObject())
            {
                if (p.NameEquals("step") || (isEval && p.NameEquals("epoch"))) continue;
                if (!JsonSettings.TryGetNumber(p.Value, out var value)) continue;
                if (isSummary)
                {
                    run.Summary[p.Name] = value;
                    continue;
                }
                var series = run.Metric(p.Name);
                if (series.Add(step, value, 0) && !double.IsFinite(value))
                {
                    context.Report(0, $"log_history[{index - 1}]: non-finite value ({Numbers.Format(value)}) for '{p.Name}' at step {step}");
                }
            }
        }
    }
}

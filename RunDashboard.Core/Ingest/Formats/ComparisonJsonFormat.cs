using System.Text.Json;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// <c>training_runs_comparison.json</c>: a list of runs, each with <c>hyperparameters</c>,
/// <c>training_metrics</c> (parallel arrays indexed by <c>iterations</c>) and <c>final_metrics</c>. A run whose
/// metrics are empty still brings its hyperparameters.
/// </summary>
public sealed class ComparisonJsonFormat : ILogFormat
{
    private static readonly string[] StepArrays = ["iterations", "iteration", "steps", "step", "iters"];

    public string Name => "comparison-json";
    public string Description => "Training runs comparison (training_runs_comparison.json)";

    public FormatMatch Match(FileSample sample)
    {
        var text = sample.TextStart;
        if (!text.StartsWith('{')) return FormatMatch.None;
        var head = System.Text.Encoding.UTF8.GetString(sample.Head);
        if (head.Contains("\"runs\"") && (head.Contains("\"training_metrics\"") || head.Contains("\"final_metrics\"")))
        {
            return new FormatMatch(0.97, "a JSON object whose \"runs\" carry \"training_metrics\"/\"final_metrics\"");
        }
        return FormatMatch.None;
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(stream, JsonSettings.Lenient);
        if (!doc.RootElement.TryGetProperty("runs", out var runs) || runs.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("expected a \"runs\" array");
        }
        var index = 0;
        foreach (var entry in runs.EnumerateArray())
        {
            var name = entry.TryGetProperty("run_name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : $"run {index + 1}";
            var run = context.Run(name + "#" + index);
            index++;
            run.Name = name;
            if (entry.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String && DateTime.TryParse(ts.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var created))
            {
                run.CreatedAt = created;
            }
            if (entry.TryGetProperty("run_path", out var path) && path.ValueKind == JsonValueKind.String) run.Hyperparameters["run_path"] = path.GetString()!;
            if (entry.TryGetProperty("hyperparameters", out var hp) && hp.ValueKind == JsonValueKind.Object) JsonSettings.Flatten(hp, "", run.Hyperparameters);
            if (entry.TryGetProperty("final_metrics", out var final) && final.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in final.EnumerateObject())
                {
                    if (JsonSettings.TryGetNumber(p.Value, out var v)) run.Summary[p.Name] = v;
                }
            }
            if (entry.TryGetProperty("training_metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Object)
            {
                Metrics(metrics, run, name, context);
            }
        }
    }

    private static void Metrics(JsonElement metrics, RunDraft run, string runName, ImportContext context)
    {
        long[]? steps = null;
        foreach (var key in StepArrays)
        {
            if (metrics.TryGetProperty(key, out var s) && s.ValueKind == JsonValueKind.Array)
            {
                steps = s.EnumerateArray().Select(e => e.TryGetInt64(out var v) ? v : (long)e.GetDouble()).ToArray();
                break;
            }
        }
        foreach (var p in metrics.EnumerateObject())
        {
            if (StepArrays.Contains(p.Name) || p.Value.ValueKind != JsonValueKind.Array) continue;
            var values = p.Value.EnumerateArray().ToList();
            if (steps is null)
            {
                context.Report(0, $"{runName}: '{p.Name}' has no iterations array to go with it; its points are numbered 1, 2, 3…");
            }
            else if (values.Count != steps.Length)
            {
                // Evaluation arrays are often shorter (every Nth iteration) with no steps of their own: spread
                // them evenly over the iterations when they divide, else say we cannot place them.
                if (values.Count == 0 || steps.Length % values.Count != 0)
                {
                    context.Report(0, $"{runName}: '{p.Name}' has {values.Count} values for {steps.Length} iterations; skipped");
                    continue;
                }
                context.Report(0, $"{runName}: '{p.Name}' has {values.Count} values for {steps.Length} iterations; placed at every {steps.Length / values.Count}th iteration");
            }
            var series = run.Metric(p.Name);
            var stride = steps is null || values.Count == 0 ? 1 : steps.Length / values.Count;
            for (var i = 0; i < values.Count; i++)
            {
                if (!JsonSettings.TryGetNumber(values[i], out var v)) continue;
                var step = steps is null ? i + 1 : steps[(i + 1) * stride - 1];
                series.Add(step, v, 0);
            }
        }
    }
}

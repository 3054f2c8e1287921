using System.Text.Json;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// A run's settings: <c>adapter_config.json</c> (MLX-LM and PEFT), <c>training_args.json</c>, <c>config.json</c>,
/// <c>args.json</c>… Every value becomes a hyperparameter (nested keys flattened with dots). Uploaded with a log,
/// it attaches to that log's run.
/// </summary>
public sealed class SettingsJsonFormat : ILogFormat
{
    private static readonly string[] KnownNames =
    [
        "adapter_config.json", "training_args.json", "config.json", "args.json", "hparams.json", "hyperparameters.json",
        "train_config.json", "training_config.json", "generation_config.json", "run_config.json",
    ];

    public string Name => "settings-json";
    public string Description => "Training settings (adapter_config.json, training_args.json, config.json)";

    public FormatMatch Match(FileSample sample)
    {
        var text = sample.TextStart;
        if (!text.StartsWith('{')) return FormatMatch.None;
        if (KnownNames.Contains(sample.BaseName)) return new FormatMatch(0.95, $"named {sample.BaseName}");
        if (sample.BaseName.EndsWith("_config.json") || sample.BaseName.EndsWith("_args.json"))
        {
            return new FormatMatch(0.8, $"a JSON file named {sample.BaseName}");
        }
        // Any other JSON object is probably settings too, but every more specific format outranks this guess.
        return new FormatMatch(0.35, "a JSON object with no metric arrays or log history");
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(stream, JsonSettings.Lenient);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object of settings");
        var run = context.Run();
        run.IsSettingsOnly = true;
        JsonSettings.Flatten(doc.RootElement, "", run.Hyperparameters);
    }
}

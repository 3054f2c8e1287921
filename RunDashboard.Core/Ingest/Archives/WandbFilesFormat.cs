using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RunDashboard.Core.Ingest.Archives;

/// <summary>
/// The settings files of a W&amp;B run folder (<c>wandb/run-*/files/</c>): <c>config.yaml</c> (each value wrapped as
/// <c>key: {desc: …, value: …}</c>; the bookkeeping keys <c>_wandb</c> and <c>wandb_version</c> dropped),
/// <c>wandb-summary.json</c> (the run's summary; bare NaN/Infinity allowed) and <c>wandb-metadata.json</c> (program,
/// host, start time). They attach to the run of <c>output.log</c>, the captured console, which the stdout readers read.
/// </summary>
public sealed class WandbFilesFormat : ILogFormat
{
    public const string ConfigFile = "config.yaml";
    public const string SummaryFile = "wandb-summary.json";
    public const string MetadataFile = "wandb-metadata.json";

    /// <summary>Fields of wandb-metadata.json kept as hyperparameters, under <c>wandb.</c>.</summary>
    private static readonly string[] MetadataFields = ["program", "codePath", "host", "username", "executable", "os", "python", "cuda", "gpu", "gpu_count", "cpu_count", "git.remote", "git.commit"];

    public string Name => "wandb-files";
    public string Description => "W&B run folder files (config.yaml, wandb-summary.json, wandb-metadata.json)";

    public FormatMatch Match(FileSample sample)
    {
        switch (sample.BaseName)
        {
            case SummaryFile when sample.TextStart.StartsWith('{'):
                return new FormatMatch(0.97, "named wandb-summary.json");
            case MetadataFile when sample.TextStart.StartsWith('{'):
                return new FormatMatch(0.97, "named wandb-metadata.json");
            case ConfigFile when sample.RawLines.Any(l => l.StartsWith("wandb_version:", StringComparison.Ordinal) || l.StartsWith("_wandb:", StringComparison.Ordinal)):
                return new FormatMatch(0.97, "a config.yaml with W&B's wandb_version/_wandb keys");
            default:
                return FormatMatch.None;
        }
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        var run = context.Run();
        run.IsSettingsOnly = true;
        var name = Path.GetFileName(context.FileName.Replace('\\', '/')).ToLowerInvariant();
        switch (name)
        {
            case ConfigFile:
                ReadConfig(stream, run);
                break;
            case SummaryFile:
                ReadSummary(stream, run, context);
                break;
            case MetadataFile:
                ReadMetadata(stream, run);
                break;
            default:
                throw new FormatException("not a W&B run folder file");
        }
    }

    private static void ReadConfig(Stream stream, RunDraft run)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream, leaveOpen: true);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"invalid YAML at line {ex.Start.Line}: {ex.Message}");
        }
        if (yaml.Documents.Count == 0) return;
        if (yaml.Documents[0].RootNode is not YamlMappingNode root) throw new FormatException("expected a YAML mapping of settings");
        foreach (var (k, v) in root.Children)
        {
            if (k is not YamlScalarNode { Value: { } key } || key is "_wandb" or "wandb_version") continue;
            Flatten(Unwrap(v), key, run.Hyperparameters);
        }
    }

    /// <summary>W&amp;B writes each config value as a mapping of <c>desc</c> (often null) and <c>value</c>.</summary>
    private static YamlNode Unwrap(YamlNode node)
    {
        if (node is not YamlMappingNode map || map.Children.Count is 0 or > 2) return node;
        YamlNode? value = null;
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: var name }) return node;
            if (name == "value") value = v;
            else if (name != "desc") return node;
        }
        return value ?? node;
    }

    private static void Flatten(YamlNode node, string prefix, IDictionary<string, string> into)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                // YAML's null (~, null or nothing) stays visible as "null", as W&B shows it.
                into[prefix] = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" ? "null" : scalar.Value ?? "";
                break;
            case YamlMappingNode map:
                if (map.Children.Count == 0) into[prefix] = "{}";
                foreach (var (k, v) in map.Children)
                {
                    if (k is YamlScalarNode { Value: { } key }) Flatten(v, prefix + "." + key, into);
                }
                break;
            case YamlSequenceNode sequence:
                into[prefix] = "[" + string.Join(", ", sequence.Children.Select(c => c is YamlScalarNode s ? s.Value ?? "null" : c.ToString())) + "]";
                break;
        }
    }

    private static void ReadSummary(Stream stream, RunDraft run, ImportContext context)
    {
        var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        using var doc = JsonDocument.Parse(ExtendedJson.Quote(buffer.ToArray()), JsonSettings.Lenient);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object of summary values");
        var skipped = 0;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            // _wandb holds W&B's own bookkeeping (runtime again); media and tables are objects, not numbers.
            if (p.NameEquals("_wandb")) continue;
            if (JsonSettings.TryGetNumber(p.Value, out var value)) run.Summary[p.Name] = value;
            else skipped++;
        }
        if (skipped > 0) context.Note($"{skipped} summary values that are not numbers (media, tables, text) were left out");
    }

    private static void ReadMetadata(Stream stream, RunDraft run)
    {
        using var doc = JsonDocument.Parse(stream, JsonSettings.Lenient);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object of run metadata");
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        JsonSettings.Flatten(root, "", flat);
        foreach (var field in MetadataFields)
        {
            if (flat.TryGetValue(field, out var text) && text.Length > 0) run.Hyperparameters["wandb." + field] = text;
        }
        if (root.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array)
        {
            run.Hyperparameters["wandb.args"] = string.Join(' ', args.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText()));
        }
        // W&B writes startedAt in UTC, with or without a trailing Z.
        if (root.TryGetProperty("startedAt", out var started) && started.ValueKind == JsonValueKind.String
            && DateTime.TryParse(started.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            run.CreatedAt = at;
        }
    }
}

using System.Globalization;
using System.Text.Json;
using RunDashboard.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RunDashboard.Core.Ingest.Archives;

/// <summary>
/// The files of one run in MLflow's file store (<c>mlruns/&lt;experiment&gt;/&lt;run&gt;/…</c>), read one file at a
/// time and joined into one run by the run folder: <c>metrics/&lt;key&gt;</c> holds one
/// <c>timestamp-in-ms value step</c> line per logged value, <c>params/&lt;key&gt;</c> and <c>tags/&lt;key&gt;</c> one
/// value each (a key with slashes is a nested path), and <c>meta.yaml</c> the run's name, status and start time.
/// </summary>
public sealed class MlflowFileStoreFormat : ILogFormat
{
    private enum Kind { None, Metric, Param, Tag, Meta }

    /// <summary>The folders under an MLflow run folder that hold one file per key.</summary>
    public static readonly string[] KeyFolders = ["metrics", "params", "tags"];

    public string Name => "mlflow";
    public string Description => "MLflow file store run (mlruns/…/metrics, params, tags, meta.yaml)";

    public FormatMatch Match(FileSample sample)
    {
        var (kind, key) = KindOf(sample.FileName);
        var inMlruns = ("/" + sample.FileName.Replace('\\', '/')).Contains("/mlruns/", StringComparison.Ordinal);
        switch (kind)
        {
            case Kind.Metric:
                var lines = sample.RawLines.Where(l => !string.IsNullOrWhiteSpace(l)).Take(50).ToList();
                var metricLines = lines.Count(l => MetricLine(l, out _, out _, out _));
                if (metricLines > 0 && metricLines * 5 >= lines.Count * 4)
                {
                    return new FormatMatch(0.97, $"metrics/{key} holds MLflow's 'timestamp value step' lines");
                }
                return FormatMatch.None;
            case Kind.Param or Kind.Tag when inMlruns:
                return new FormatMatch(0.95, $"{(kind == Kind.Param ? "params" : "tags")}/{key} in an mlruns folder");
            case Kind.Param or Kind.Tag when sample.RawLines.Count <= 1:
                // Outside an mlruns folder a params/ or tags/ folder may be anything's: only a one-value file is taken.
                return new FormatMatch(0.45, $"a one-value file in {(kind == Kind.Param ? "params" : "tags")}/{key}");
            case Kind.Meta when sample.TextStart.Contains("run_id:", StringComparison.Ordinal) || sample.TextStart.Contains("run_uuid:", StringComparison.Ordinal):
                return new FormatMatch(0.97, "an MLflow run's meta.yaml (run_id, status, start_time)");
            default:
                return FormatMatch.None;
        }
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        var (kind, key) = KindOf(context.FileName);
        var run = context.Run();
        switch (kind)
        {
            case Kind.Metric:
                ReadMetric(stream, key, run, context, cancellationToken);
                break;
            case Kind.Param:
                run.IsSettingsOnly = true;
                run.Hyperparameters[key] = ReadValue(stream);
                break;
            case Kind.Tag:
                run.IsSettingsOnly = true;
                ReadTag(key, ReadValue(stream), run);
                break;
            case Kind.Meta:
                run.IsSettingsOnly = true;
                ReadMeta(stream, run);
                break;
            default:
                throw new FormatException("not a file of an MLflow run folder");
        }
    }

    private static void ReadMetric(Stream stream, string key, RunDraft run, ImportContext context, CancellationToken cancellationToken)
    {
        var series = run.Metric(key);
        using var reader = new LogLineReader(stream, context.Report, leaveOpen: true, stripPrefixes: false);
        while (reader.Next())
        {
            if ((reader.LineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            var line = reader.Line;
            if (line.IsWhiteSpace()) continue;
            if (!MetricLine(line, out var timestamp, out var value, out var step))
            {
                context.Report(reader.LineNumber, "not an MLflow metric line ('timestamp value step'); skipped");
                continue;
            }
            // MLflow's timestamps are milliseconds since the Unix epoch; series times are seconds.
            if (series.Add(step, value, reader.LineNumber, timestamp / 1000.0) && !double.IsFinite(value))
            {
                context.Report(reader.LineNumber, $"non-finite value ({Numbers.Format(value)}) for '{key}' at step {step}");
            }
        }
        context.LinesRead = reader.LineNumber;
    }

    /// <summary>"1700000000000 0.52 10"; files written before MLflow logged steps have no third field (step 0).</summary>
    private static bool MetricLine(ReadOnlySpan<char> line, out long timestamp, out double value, out long step)
    {
        value = double.NaN;
        step = 0;
        Span<Range> parts = stackalloc Range[4];
        var n = line.Trim().Split(parts, ' ', StringSplitOptions.RemoveEmptyEntries);
        var text = line.Trim();
        if (n is < 2 or > 3 || !long.TryParse(text[parts[0]], NumberStyles.Integer, CultureInfo.InvariantCulture, out timestamp))
        {
            timestamp = 0;
            return false;
        }
        if (!Numbers.TryParse(text[parts[1]], out value)) return false;
        return n == 2 || long.TryParse(text[parts[2]], NumberStyles.Integer, CultureInfo.InvariantCulture, out step);
    }

    private static string ReadValue(Stream stream)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return reader.ReadToEnd();
    }

    private static void ReadTag(string key, string value, RunDraft run)
    {
        switch (key)
        {
            case "mlflow.runName":
                run.Name = value.Trim();
                run.Hyperparameters["tags." + key] = run.Name;
                break;
            case "mlflow.log-model.history":
                // A JSON list of the models logged with the run: their artifact paths are what a person looks for.
                run.Hyperparameters["tags." + key] = LoggedModels(value);
                break;
            default:
                if (!key.StartsWith("mlflow.", StringComparison.Ordinal) && value.Length <= 100) run.Tags.Add($"{key}={value}");
                run.Hyperparameters["tags." + key] = value;
                break;
        }
    }

    private static string LoggedModels(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, JsonSettings.Lenient);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return json;
            var paths = doc.RootElement.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("artifact_path", out var p) ? p.GetString() : null)
                .OfType<string>().ToList();
            return paths.Count > 0 ? string.Join(", ", paths) : json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static void ReadMeta(Stream stream, RunDraft run)
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
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root) throw new FormatException("expected a YAML mapping");
        foreach (var (k, v) in root.Children)
        {
            if (k is not YamlScalarNode { Value: { } name } || v is not YamlScalarNode { Value: { } text }) continue;
            switch (name)
            {
                case "run_name" when text.Length > 0:
                    run.Name ??= text;
                    break;
                // MLflow's RunStatus: 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED (or the names).
                case "status":
                    run.State = text switch
                    {
                        "1" or "2" or "RUNNING" or "SCHEDULED" => RunStates.Running,
                        "3" or "FINISHED" => RunStates.Finished,
                        "4" or "FAILED" => RunStates.Failed,
                        "5" or "KILLED" => RunStates.Killed,
                        _ => run.State,
                    };
                    break;
                case "start_time" when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0:
                    run.CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
                    break;
                case "run_id" or "experiment_id" or "user_id" or "artifact_uri" or "lifecycle_stage" when text.Length > 0:
                    run.Hyperparameters["mlflow." + name] = text;
                    break;
            }
        }
    }

    /// <summary>
    /// "mlruns/1/ab12/metrics/train/loss" → (Metric, "train/loss"): the key is everything after the first
    /// metrics/, params/ or tags/ folder that has a run folder above it.
    /// </summary>
    private static (Kind Kind, string Key) KindOf(string fileName)
    {
        var parts = fileName.Replace('\\', '/').Split('/');
        if (parts.Length >= 2 && parts[^1] == "meta.yaml") return (Kind.Meta, "");
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var kind = parts[i] switch { "metrics" => Kind.Metric, "params" => Kind.Param, "tags" => Kind.Tag, _ => Kind.None };
            if (kind != Kind.None) return (kind, string.Join('/', parts[(i + 1)..]));
        }
        return (Kind.None, "");
    }
}

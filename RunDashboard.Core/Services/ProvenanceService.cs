using System.Text;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>One line of an uploaded file, numbered as an editor numbers it.</summary>
public sealed record SourceLine(int Line, string Text);

/// <summary>The raw line a point came from, with the lines around it, or why it cannot be shown.</summary>
public sealed record ProvenanceAnswer(string? File, SourceLine? Line, IReadOnlyList<SourceLine> Context, string? Method, string? Problem, bool RunFound);

/// <summary>
/// Finds the line of a stored upload that produced one point (a key at a step). The upload's kept bytes are parsed
/// again by the reader that imported them, on ever shorter beginnings of the file: the shortest beginning whose
/// reading already holds the point ends at its line (readers stream, so a point appears once its line is read).
/// When that cannot decide (a JSON document has no readable beginning), the first line naming the metric and the
/// step is taken, and the answer says so.
/// </summary>
public sealed class ProvenanceService(RunStore store, Ingestor ingestor)
{
    /// <summary>Uploads larger than this are not parsed again for one point.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    public const int ContextLines = 3;

    public ProvenanceAnswer Find(string runId, string key, long step)
    {
        if (store.GetRun(runId) is not { } run) return Problem($"no run with id '{runId}'", false);
        if (run.Source == RunSource.Wandb)
        {
            return Problem("this run was synced from W&B: its history rows are not stored, only the series values, so there is no raw line to show", true);
        }
        if (run.FindMetric(key) is not { } metric) return Problem($"run '{runId}' has no series '{key}'", true);
        var series = store.GetSeries(runId, key, step, step);
        var index = series is null ? -1 : Array.IndexOf(series.Steps, step);
        if (series is null || index < 0) return Problem($"'{key}' has no point at step {step}", true);
        var value = series.Values[index];

        foreach (var uploadId in run.UploadIds)
        {
            var record = store.Uploads.Get(uploadId);
            if (record is null || !store.Uploads.HasBytes(uploadId) || record.Format is null or "zip") continue;
            var format = ingestor.Formats.FirstOrDefault(f => f.Name == record.Format);
            var bytes = Read(uploadId);
            if (bytes is null) continue;
            var ends = LineEnds(bytes);
            var ordinal = Math.Max(0, record.RunIds.IndexOf(run.Id));
            int? line = null;
            var method = "parsed again";
            if (format is not null && Holds(format, record.FileName, bytes, ends.Count, ends, ordinal, key, step, value))
            {
                // Smallest beginning (in lines) whose reading holds the point.
                int lo = 0, hi = ends.Count;
                while (hi - lo > 1)
                {
                    var mid = lo + (hi - lo) / 2;
                    if (Holds(format, record.FileName, bytes, mid, ends, ordinal, key, step, value)) hi = mid; else lo = mid;
                }
                // Only the whole file reads: a JSON document, not a stream of lines. The last line is then no answer.
                if (hi < ends.Count || Names(Text(bytes, ends, hi), step, value)) line = hi;
            }
            if (line is null && TextSearch(bytes, ends, metric.Alias, step, value) is { } found)
            {
                line = found;
                method = "text search: the first line naming the metric and the step";
            }
            if (line is not { } l) continue;
            var context = Enumerable.Range(Math.Max(1, l - ContextLines), Math.Min(ends.Count, l + ContextLines) - Math.Max(1, l - ContextLines) + 1)
                .Select(n => new SourceLine(n, Text(bytes, ends, n))).ToList();
            return new ProvenanceAnswer(record.FileName, new SourceLine(l, Text(bytes, ends, l)), context, method, null, true);
        }
        return Problem($"no stored upload of this run holds the line of '{key}' at step {step} (uploads inside a zip or over {MaxBytes / (1024 * 1024)} MB are not searched)", true);
    }

    private static ProvenanceAnswer Problem(string message, bool runFound) => new(null, null, [], null, message, runFound);

    private byte[]? Read(string uploadId)
    {
        using var stream = store.Uploads.OpenBytes(uploadId);
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            copy.Write(buffer, 0, n);
            if (copy.Length > MaxBytes) return null;
        }
        return copy.ToArray();
    }

    /// <summary>Offsets just past each line's end (the last line may lack its newline).</summary>
    private static List<int> LineEnds(byte[] bytes)
    {
        var ends = new List<int>();
        for (var i = 0; i < bytes.Length; i++) if (bytes[i] == (byte)'\n') ends.Add(i + 1);
        if (bytes.Length > 0 && (ends.Count == 0 || ends[^1] != bytes.Length)) ends.Add(bytes.Length);
        return ends;
    }

    private static string Text(byte[] bytes, List<int> ends, int line)
    {
        var start = line == 1 ? 0 : ends[line - 2];
        var text = Encoding.UTF8.GetString(bytes, start, ends[line - 1] - start);
        return text.TrimEnd('\n', '\r');
    }

    /// <summary>Whether the reading of the first <paramref name="lines"/> lines has the point, with its stored value, in the run at <paramref name="ordinal"/>.</summary>
    private static bool Holds(ILogFormat format, string fileName, byte[] bytes, int lines, List<int> ends, int ordinal, string key, long step, double value)
    {
        if (lines <= 0) return false;
        var sink = new PointSink(key, step, value);
        var context = new ImportContext(fileName, sink);
        try
        {
            using var stream = new MemoryStream(bytes, 0, ends[lines - 1], writable: false);
            format.Parse(stream, context, CancellationToken.None);
            context.Flush();
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidDataException)
        {
            return false;
        }
        var runs = context.Runs.Where(r => r.HasMetrics).Select(r => r.Id).ToList();
        return ordinal < runs.Count ? sink.Runs.Contains(runs[ordinal]) : sink.Runs.Count > 0;
    }

    /// <summary>
    /// The line that prints the metric with its value (nearest to one naming the step, when several do), else the
    /// first line naming the metric and the step.
    /// </summary>
    private static int? TextSearch(byte[] bytes, List<int> ends, string alias, long step, double value)
    {
        var stepText = step.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var valueText = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var withValue = new List<int>();
        var withStep = new List<int>();
        int? both = null;
        for (var n = 1; n <= ends.Count; n++)
        {
            var text = Text(bytes, ends, n);
            var names = text.Contains(alias, StringComparison.OrdinalIgnoreCase);
            if (names && ContainsNumber(text, valueText)) withValue.Add(n);
            if (ContainsNumber(text, stepText)) withStep.Add(n);
            if (names && both is null && ContainsNumber(text, stepText)) both = n;
        }
        if (withValue.Count == 1) return withValue[0];
        if (withValue.Count > 1 && withStep.Count > 0) return withValue.MinBy(v => withStep.Min(w => Math.Abs(w - v)));
        return both ?? (withValue.Count > 0 ? withValue[0] : null);
    }

    private static bool Names(string text, long step, double value) =>
        ContainsNumber(text, step.ToString(System.Globalization.CultureInfo.InvariantCulture)) || ContainsNumber(text, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

    private static bool ContainsNumber(string text, string number)
    {
        for (var i = text.IndexOf(number, StringComparison.Ordinal); i >= 0; i = text.IndexOf(number, i + 1, StringComparison.Ordinal))
        {
            var before = i == 0 || !char.IsDigit(text[i - 1]) && text[i - 1] != '.';
            var after = i + number.Length >= text.Length || !char.IsDigit(text[i + number.Length]) && text[i + number.Length] != '.';
            if (before && after) return true;
        }
        return false;
    }

    /// <summary>Notes which runs of a reading hold one point with one value.</summary>
    private sealed class PointSink(string key, long step, double value) : IChunkSink
    {
        public HashSet<string> Runs { get; } = [];

        public void Write(RunDraft run, SeriesChunk chunk)
        {
            if (chunk.Key != key) return;
            for (var i = 0; i < chunk.Count; i++)
            {
                if (chunk.Steps[i] == step && (chunk.Values[i].Equals(value) || Math.Abs(chunk.Values[i] - value) <= 1e-12 * Math.Abs(value))) Runs.Add(run.Id);
            }
        }

        public void Discard(RunDraft run, string key, int fromSequence) { }
    }
}

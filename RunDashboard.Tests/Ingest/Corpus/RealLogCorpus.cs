using System.Text.Json;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest.Corpus;

/// <summary>
/// Training logs people published (Fixtures/real, provenance in SOURCES.md) with what a reader sees in them, counted
/// by hand and by a separate script (expected.json), and how the ingestor's reading compares with that.
/// </summary>
public static class RealLogCorpus
{
    public sealed record ExpectedSeries(int Run, string Name, string Split, long Points, long? FirstStep, long? LastStep, double? FirstValue, double? LastValue);

    public sealed record ExpectedFile(string File, string Trainer, int Runs, IReadOnlyList<ExpectedSeries> Series, string? Notes);

    public sealed record Outcome(ExpectedFile Expected, FileImport Import, IReadOnlyList<string> Mismatches)
    {
        public bool Passed => Mismatches.Count == 0;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString | System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IReadOnlyList<ExpectedFile> Load(string half)
    {
        var path = half == "seen" ? "real/expected.json" : "real/unseen/expected.json";
        using var stream = Fixture.Open(path);
        return JsonSerializer.Deserialize<List<ExpectedFile>>(stream, Json)!;
    }

    public static Outcome Read(ExpectedFile expected)
    {
        var fixture = "real/" + expected.File;
        var sink = new MemorySink();
        var import = Ingestor.CreateDefault().Ingest(Path.GetFileName(fixture), () => Fixture.Open(fixture), sink);
        return new Outcome(expected, import, Compare(expected, import, sink));
    }

    private static List<string> Compare(ExpectedFile expected, FileImport import, MemorySink sink)
    {
        var mismatches = new List<string>();
        if (!import.Succeeded) return [$"not imported: {import.Error}"];
        var runs = import.Runs.Where(r => r.HasMetrics).ToList();
        if (runs.Count != expected.Runs) mismatches.Add($"runs: expected {expected.Runs}, got {runs.Count}");
        foreach (var e in expected.Series)
        {
            if (e.Run > runs.Count) { mismatches.Add($"run {e.Run} missing for '{e.Name}'"); continue; }
            var run = runs[e.Run - 1];
            var series = Find(run, e);
            if (series is null)
            {
                mismatches.Add($"run {e.Run}: no series for {e.Split} '{e.Name}' (have {string.Join(", ", run.Series.Select(s => $"{s.Key}<{s.Alias}>"))})");
                continue;
            }
            var (steps, values) = sink.Series(run, series.Key);
            var what = $"run {e.Run} {series.Key}";
            if (steps.Length != e.Points) mismatches.Add($"{what}: {steps.Length} points, expected {e.Points}");
            if (steps.Length == 0) continue;
            if (e.FirstStep is { } fs && steps[0] != fs) mismatches.Add($"{what}: first step {steps[0]}, expected {fs}");
            if (e.LastStep is { } ls && steps[^1] != ls) mismatches.Add($"{what}: last step {steps[^1]}, expected {ls}");
            if (e.FirstValue is { } fv && !Close(values[0], fv)) mismatches.Add($"{what}: first value {values[0]}, expected {fv}");
            if (e.LastValue is { } lv && !Close(values[^1], lv)) mismatches.Add($"{what}: last value {values[^1]}, expected {lv}");
        }
        return mismatches;
    }

    /// <summary>The series a reader would call by the log's name: same alias, then the canonical key of the name in its split.</summary>
    private static SeriesWriter? Find(RunDraft run, ExpectedSeries e)
    {
        var eval = e.Split == "eval";
        bool SplitOk(SeriesWriter s) => eval == (MetricKeys.Group(s.Key) is "eval" or "val" or "valid" or "test");
        var byAlias = run.Series.Where(s => Same(s.Alias, e.Name) || Same(s.Alias, "eval " + e.Name) || Same(s.Alias, "validation " + e.Name) || Same(s.Alias, "train " + e.Name)).ToList();
        var hit = byAlias.FirstOrDefault(SplitOk) ?? (byAlias.Count == 1 && !run.Series.Any(s => s != byAlias[0] && SplitOk(s) && Same(s.Alias, e.Name)) ? null : null);
        if (hit is not null) return hit;
        var key = Core.Ingest.Generic.GenericTextParser.KeyFor(e.Name, "", eval, epochLevel: false);
        return run.Series.FirstOrDefault(s => s.Key == key) ?? byAlias.FirstOrDefault(SplitOk);
    }

    private static bool Same(string a, string b) => string.Equals(a.Trim().Trim('\'', '"'), b.Trim(), StringComparison.OrdinalIgnoreCase);

    private static bool Close(double actual, double expected) =>
        actual == expected || (double.IsNaN(actual) && double.IsNaN(expected)) || Math.Abs(actual - expected) <= 1e-9 * Math.Max(1, Math.Abs(expected));

    /// <summary>file · format · runs · keys · points · problems · verdict, one line a file.</summary>
    public static string Table(IEnumerable<Outcome> outcomes)
    {
        var lines = new List<string> { $"{"file",-62} {"format",-12} {"runs",4} {"keys",4} {"points",7} {"probl.",6}  result" };
        foreach (var o in outcomes)
        {
            var runs = o.Import.Runs.Where(r => r.HasMetrics).ToList();
            lines.Add($"{o.Expected.File,-62} {o.Import.Format ?? "-",-12} {runs.Count,4} {runs.Sum(r => r.Series.Count),4} {runs.Sum(r => r.Series.Sum(s => s.Count)),7} {o.Import.ProblemCount,6}  {(o.Passed ? "ok" : "MISMATCH: " + string.Join("; ", o.Mismatches.Take(3)))}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}

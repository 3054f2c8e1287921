using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks;

/// <summary>
/// One dashboard holding a hundred million points in one LiteDB file: generated MLX-LM logs uploaded over HTTP to the
/// real dashboard on loopback, then what a user of such a database sees: its size and bytes a point by kind
/// (<c>GET /api/stats</c>), the import time against <c>wc -l</c> of the same files, the whole loss series at 1,200
/// buckets, the run page's first chart in headless Chromium (before and after a restart of the dashboard on the same
/// file) and the process's peak working set. Prints figures only; it throws only when something does not work.
/// </summary>
public static class ScaleBenchmark
{
    /// <summary>
    /// Bytes of generated MLX-LM log a stored point: a 1 GiB log holds 47.2 M points (six figures an iteration line of
    /// ~150 bytes, two more on each validation line). Used only to size the files; the figures count stored points.
    /// </summary>
    private const double LogBytesPerPoint = 1073741824 / 47.2e6;

    /// <summary>
    /// Points a run holds at most. Someone with a hundred million points in one dashboard has a handful of long runs
    /// (fine-tuning or pretraining logs of 0.5–1 GB each, the sizes people upload), not one 2 GB log nor thousands of
    /// small runs (the runs benchmark measures those): 100 M points are 5 runs of 20 M, ~430 MB of log each.
    /// </summary>
    private const long PointsPerRun = 20_000_000;

    public static async Task RunAsync(string dir, long points, Func<string, int, Action<string, long>, string> generate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1000);
        var total = Stopwatch.StartNew();
        var load = File.Exists("/proc/loadavg") ? " · load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
        // At least two runs, so even the quick variant uploads several files into the one database.
        var runs = (int)Math.Max(2, (points + PointsPerRun - 1) / PointsPerRun);
        var mb = (int)Math.Ceiling(points / (double)runs * LogBytesPerPoint / 1048576);
        Console.WriteLine(F($"RunDashboard scale benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}{load} · {points / 1e6:F0} M points asked: {runs} MLX-LM runs of {mb} MB"));

        var logs = RunLogs(dir, generate($"mlx_lm_scale_{mb}mb.log", mb, LogGenerator.MlxLm), runs);
        var logBytes = logs.Sum(l => new FileInfo(l).Length);
        var logMb = logBytes / 1048576.0;
        var lineSeconds = logs.Sum(l => EndToEndBenchmark.LineCount(l).Seconds);

        const string dbName = "scale.db";
        var db = Path.Combine(dir, dbName);
        try
        {
            var (app, baseUrl) = await BenchServer.StartAsync(dir, dbName);
            var runIds = new List<string>();
            var runPoints = new List<long>();
            long firstLossPoints = 0;
            double importSeconds;
            long peakAfterImport;
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(60) };
                var import = Stopwatch.StartNew();
                for (var i = 0; i < logs.Count; i++)
                {
                    var (id, made, loss) = await UploadAsync(http, logs[i], $"scale run {i + 1}");
                    runIds.Add(id);
                    runPoints.Add(made);
                    if (i == 0) firstLossPoints = loss;
                }
                var uploadedPoints = runPoints.Sum();
                importSeconds = import.Elapsed.TotalSeconds;
                peakAfterImport = Process.GetCurrentProcess().PeakWorkingSet64;

                // The raw bytes are compressed into the file after each commit: the sizes below are read once that is done.
                var archive = Stopwatch.StartNew();
                while (JsonDocument.Parse(await http.GetStringAsync("/api/stats")).RootElement.GetProperty("uploadsPending").GetInt32() > 0) await Task.Delay(100);
                Console.WriteLine(F($"  raw uploads compressed into the file {archive.Elapsed.TotalSeconds:F1} s after the last commit"));
                var statsTimer = Stopwatch.StartNew();
                var stats = JsonDocument.Parse(await http.GetStringAsync("/api/stats")).RootElement;
                var statsMs = statsTimer.Elapsed.TotalMilliseconds;
                var kinds = stats.GetProperty("bytesByKind");
                long Kind(string name) => kinds.GetProperty(name).GetInt64();
                var stored = stats.GetProperty("points").GetInt64();
                var fileBytes = stats.GetProperty("databaseFileBytes").GetInt64();
                var logFileBytes = stats.GetProperty("logFileBytes").GetInt64();
                var series = Kind("seriesBytes");
                var pyramids = Kind("pyramidBytes");
                var raw = Kind("rawUploadBytes");
                var other = Kind("otherBytes");

                var (firstSeriesMs, againSeriesMs) = await WholeLossAsync(http, runIds[0]);

                Console.WriteLine(F($"  logs: {logs.Count} files, {logMb:F0} MB; {uploadedPoints:N0} points in the upload answers, {stored:N0} stored (GET /api/stats, answered in {statsMs:F0} ms)"));
                Console.WriteLine(F($"  database file: {fileBytes / 1048576.0:F0} MB (+ {logFileBytes / 1048576.0:F0} MB LiteDB -log file not yet checkpointed), {(fileBytes + logFileBytes) / (double)stored:F2} bytes a point in all"));
                Console.WriteLine(F($"    series {series / 1048576.0:F0} MB ({series / (double)stored:F2} bytes a point) + pyramids {pyramids / 1048576.0:F0} MB ({pyramids / (double)stored:F2}) = {(series + pyramids) / (double)stored:F2} bytes a point for the series alone"));
                Console.WriteLine(F($"    raw uploads as stored {raw / 1048576.0:F0} MB ({raw / (double)stored:F2} bytes a point; {raw / (double)logBytes:P0} of the logs): {(series + pyramids + raw) / (double)stored:F2} bytes a point with them; other {other / 1048576.0:F0} MB"));
                Console.WriteLine(F($"  wc -l of the same files: {lineSeconds:F2} s ({logMb / lineSeconds:F0} MB/s)"));
                Console.WriteLine(F($"  import over HTTP (POST /api/uploads, one file after another, until each run is committed): {importSeconds:F1} s ({logMb / importSeconds:F1} MB/s, {uploadedPoints / importSeconds / 1e6:F2} M points/s), {lineSeconds / importSeconds:F4} of wc -l's speed"));
                Console.WriteLine(F($"  whole train/loss of run 1 ({firstLossPoints / 1e6:F1} M points of the run's {runPoints[0] / 1e6:F1} M) at 1,200 buckets: {firstSeriesMs:F0} ms on the first read after the import, {againSeriesMs:F1} ms again"));
                await FirstChartsAsync(baseUrl, runIds[0], "after the import");
            }
            finally
            {
                await app.DisposeAsync();
            }

            // A restarted dashboard opens the big file and charts with nothing in memory: what a user sees after an upgrade.
            var reopen = Stopwatch.StartNew();
            var (again, againUrl) = await BenchServer.StartAsync(dir, dbName, fresh: false);
            var reopenMs = reopen.Elapsed.TotalMilliseconds;
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(againUrl), Timeout = TimeSpan.FromMinutes(10) };
                var (firstSeriesMs, againSeriesMs) = await WholeLossAsync(http, runIds[^1]);
                Console.WriteLine(F($"  restart on the same file: dashboard started in {reopenMs:F0} ms; whole train/loss of run {runIds.Count} at 1,200 buckets {firstSeriesMs:F0} ms on the first read, {againSeriesMs:F1} ms again"));
                await FirstChartsAsync(againUrl, runIds[0], "after the restart");
                await PageServerPartsAsync(again.Services, http, runIds[1]);
            }
            finally
            {
                await again.DisposeAsync();
            }
            Console.WriteLine(F($"  peak working set of the process (server and HTTP client; Chromium not counted): {peakAfterImport / 1048576.0:F0} MB after the import, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB at the end"));
        }
        finally
        {
            // The database is rebuilt by every run; the logs stay for the next one.
            File.Delete(db);
            File.Delete(Path.Combine(dir, Path.GetFileNameWithoutExtension(dbName) + "-log" + Path.GetExtension(dbName)));
        }
        Console.WriteLine(F($"  scale benchmark in {total.Elapsed.TotalSeconds:F0} s (generating logs when they were not there yet)"));
    }

    /// <summary>
    /// The logs of <paramref name="runs"/> runs: the generated log behind a first line naming the run, so each file has
    /// its own bytes (the dashboard recognises a file uploaded twice and would not store it again). Kept for reuse.
    /// </summary>
    private static List<string> RunLogs(string dir, string generated, int runs)
    {
        var logs = new List<string>();
        for (var i = 1; i <= runs; i++)
        {
            var header = Encoding.UTF8.GetBytes($"Loading datasets for scale benchmark run {i} of {runs}\n");
            var path = Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(generated)}_run{i}_of_{runs}.log");
            if (!File.Exists(path) || new FileInfo(path).Length != header.Length + new FileInfo(generated).Length)
            {
                using var target = File.Create(path);
                target.Write(header);
                using var source = File.OpenRead(generated);
                source.CopyTo(target, 1 << 20);
            }
            logs.Add(path);
        }
        return logs;
    }

    /// <summary>One log as <c>curl -F file=@log -F name=…</c> sends it; the one run it made: id, points, train/loss points.</summary>
    private static async Task<(string Id, long Points, long LossPoints)> UploadAsync(HttpClient http, string log, string name)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(log), 1 << 16);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", Path.GetFileName(log));
        form.Add(new StringContent(name), "name");
        using var response = await http.PostAsync("/api/uploads", form);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload of {log} answered {(int)response.StatusCode}: {body}");
        var runs = JsonDocument.Parse(body).RootElement.GetProperty("runs");
        if (runs.GetArrayLength() != 1) throw new InvalidOperationException($"the upload of {log} made {runs.GetArrayLength()} runs, not 1: {body}");
        var run = runs[0];
        var metrics = run.GetProperty("metrics").EnumerateArray().ToList();
        var loss = metrics.Where(m => m.GetProperty("key").GetString() == "train/loss").Sum(m => m.GetProperty("points").GetInt64());
        if (loss == 0) throw new InvalidOperationException($"the run made from {log} has no train/loss: {body}");
        return (run.GetProperty("id").GetString()!, metrics.Sum(m => m.GetProperty("points").GetInt64()), loss);
    }

    /// <summary>Milliseconds of two reads of a run's whole train/loss at 1,200 buckets (the first loads its pyramid).</summary>
    private static async Task<(double First, double Again)> WholeLossAsync(HttpClient http, string runId)
    {
        var times = new double[2];
        for (var i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            var buckets = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{runId}/series?key=train/loss&points=1200")).RootElement;
            times[i] = sw.Elapsed.TotalMilliseconds;
            if (buckets.GetProperty("steps").GetArrayLength() == 0) throw new InvalidOperationException($"train/loss of run {runId} came back empty");
        }
        return (times[0], times[1]);
    }

    private static async Task FirstChartsAsync(string baseUrl, string runId, string when)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchServer.LaunchChromiumAsync(playwright);
        var cold = await EndToEndBenchmark.FirstChartAsync(browser, $"{baseUrl}/runs/{runId}");
        var warm = await EndToEndBenchmark.FirstChartAsync(browser, $"{baseUrl}/runs/{runId}");
        Console.WriteLine(F($"  run page of run 1 → first chart painted in headless Chromium, {when}: {cold:F0} ms on the first load, {warm:F0} ms on the second"));
    }

    /// <summary>
    /// Where the server's time of a run page goes, on a run no page has opened since the restart: the prerendered
    /// HTML twice (health findings are cached after the first), then the parts that read whole series, alone.
    /// </summary>
    private static async Task PageServerPartsAsync(IServiceProvider services, HttpClient http, string runId)
    {
        var html = new double[2];
        for (var i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await http.GetAsync($"/runs/{runId}");
            await response.Content.ReadAsStringAsync();
            html[i] = sw.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /runs/{runId} answered {(int)response.StatusCode}");
        }
        Console.WriteLine(F($"  prerendered run page HTML (GET /runs/{{id}}) of run 2, not opened since the restart: {html[0]:F0} ms, {html[1]:F0} ms again"));

        var store = services.GetRequiredService<RunStore>();
        var run = store.GetRun(runId)!;
        var health = new HealthService(store, services.GetRequiredService<HealthOptions>(), TimeProvider.System);
        var forecasts = services.GetRequiredService<ForecastService>();
        var parts = new (string Name, Action Part)[]
        {
            ("whole train/loss read point by point (RunStore.GetSeries, what the health rules start from)", () => store.GetSeries(runId, MetricKeys.TrainLoss)),
            ("health findings, nothing cached (whole train/loss, eval/loss, learning rate)", () => health.Findings(run)),
            ("forecast panel (whole eval/loss, whole it/sec for the pace; on every render)", () => forecasts.Chart(runId, MetricKeys.EvalLoss)),
            ("train/loss at 1,200 buckets through the pyramid", () => store.GetBuckets(run, MetricKeys.TrainLoss, 1200)),
        };
        foreach (var (name, part) in parts)
        {
            var allocated = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            part();
            var ms = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine(F($"    {name}: {ms:F0} ms, {(GC.GetTotalAllocatedBytes(true) - allocated) / 1048576.0:F0} MB allocated"));
        }
        Console.WriteLine(F($"  parsed pyramids kept in memory: {store.PyramidCacheCount} series, {store.PyramidCacheBytes / 1048576.0:F1} MB (budget {store.PyramidCacheLimitBytes / 1048576.0:F0} MB)"));
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

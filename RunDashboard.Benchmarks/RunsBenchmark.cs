using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RunDashboard.Benchmarks;

/// <summary>
/// The runs list with many runs: a W&amp;B runs-table CSV of N rows is uploaded over HTTP to a real server (one run a
/// row), then the list query, the prerendered <c>/</c> page and <c>GET /api/runs</c> are timed on loopback.
/// </summary>
public static class RunsBenchmark
{
    private static readonly string[] States = ["finished", "finished", "finished", "crashed", "failed", "killed"];
    private static readonly string[] Projects = ["llama-sft", "mistral-dpo", "qwen-pretrain", "phi-kto", "gemma-lora"];

    public static async Task RunAsync(string dir, int runs)
    {
        var csv = Path.Combine(dir, $"runs_table_{runs}.csv");
        WriteRunsTable(csv, runs);
        var (app, baseUrl) = await BenchServer.StartAsync(dir, "runs.db");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(30) };

        var load = File.Exists("/proc/loadavg") ? " · load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
        Console.WriteLine($"RunDashboard runs-list benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}{load}");
        var upload = Stopwatch.StartNew();
        using (var form = new MultipartFormDataContent())
        {
            var file = new StreamContent(File.OpenRead(csv));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(file, "file", Path.GetFileName(csv));
            form.Add(new StringContent("sweeps"), "project");
            using var response = await http.PostAsync("/api/uploads", form);
            var answer = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {answer}");
            var json = JsonDocument.Parse(answer).RootElement;
            Console.WriteLine($"read as {json.GetProperty("format").GetString()}: {json.GetProperty("runs").GetArrayLength():N0} runs");
        }
        upload.Stop();
        Console.WriteLine($"uploading a {runs:N0}-row W&B runs table ({new FileInfo(csv).Length / 1024.0:F0} KB) over HTTP: {upload.Elapsed.TotalSeconds:F1} s");

        // Filter + sort + page of 50, as the runs list asks; varied so no answer is a cached copy of the last.
        string[] queries =
        [
            "/api/runs/query?pageSize=50",
            "/api/runs/query?q=sweep-01&sort=train&desc=false&pageSize=50",
            "/api/runs/query?state=crashed&sort=name&pageSize=50&page=3",
            "/api/runs/query?project=qwen-pretrain&sort=eval&pageSize=50&page=5",
            "/api/runs/query?tag=lr-high&sort=steps&pageSize=50",
            "/api/runs/query?q=gemma&state=finished&sort=created&desc=true&pageSize=50&page=10",
        ];
        // The first query after the import rebuilds the catalog's rows from one scan of the store.
        var cold = Stopwatch.StartNew();
        await http.GetStringAsync(queries[0]);
        Console.WriteLine($"first GET /api/runs/query right after the import (the catalog rebuilds its rows from one scan of the store, in the background): {cold.Elapsed.TotalMilliseconds:F0} ms");
        var queryTimes = await TimeAsync(http, 120, i => queries[i % queries.Length]);
        var total = JsonDocument.Parse(await http.GetStringAsync("/api/runs/query?pageSize=1")).RootElement.GetProperty("total").GetInt32();
        Console.WriteLine($"GET /api/runs/query (filter + sort + page of 50, {total:N0} runs): {Percentiles(queryTimes)}");
        // The same queries in process: what the catalog costs without HTTP, JSON and the loopback.
        var catalog = app.Services.GetRequiredService<RunDashboard.Core.Services.RunCatalog>();
        var inProcess = new List<double>();
        var inProcessCpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < 120; i++)
        {
            var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(baseUrl + queries[i % queries.Length]).Query);
            var sw = Stopwatch.StartNew();
            catalog.Query(new RunDashboard.Core.Analysis.RunQuery
            {
                Text = q.GetValueOrDefault("q").ToString(), State = q.GetValueOrDefault("state").ToString(), Project = q.GetValueOrDefault("project").ToString(),
                Tag = q.GetValueOrDefault("tag").ToString(), SortBy = q.GetValueOrDefault("sort").ToString() is { Length: > 0 } s ? s : "created",
                Descending = q.GetValueOrDefault("desc").ToString() != "false", Page = int.TryParse(q.GetValueOrDefault("page"), out var p) ? p : 0, PageSize = 50,
            });
            inProcess.Add(sw.Elapsed.TotalMilliseconds);
        }
        _cpuPerRequest = (Process.GetCurrentProcess().TotalProcessorTime - inProcessCpu).TotalMilliseconds / inProcess.Count;
        Console.WriteLine($"RunCatalog.Query in process (same queries): {Percentiles(inProcess)}");

        var first = JsonDocument.Parse(await http.GetStringAsync("/api/runs/query?pageSize=1")).RootElement.GetProperty("items")[0].GetProperty("name").GetString()!;
        string html = "";
        var pageTimes = await TimeAsync(http, 30, _ => "/", body => html = body);
        var found = html.Contains(System.Net.WebUtility.HtmlEncode(first), StringComparison.Ordinal);
        Console.WriteLine($"GET / (prerendered HTML, {html.Length / 1024.0:F0} KB): {Percentiles(pageTimes)}; first run '{first}' in the HTML: {(found ? "yes" : "NO")}");

        foreach (var url in new[] { "/api/runs", "/api/runs?pageSize=1000", "/api/runs?all=true" })
        {
            long bytes = 0;
            var times = await TimeAsync(http, 6, _ => url, body => bytes = Encoding.UTF8.GetByteCount(body));
            Console.WriteLine($"GET {url}: {bytes / 1024.0:F0} KB, {Percentiles(times)}");
        }
        await app.StopAsync();
    }

    /// <summary>The columns the W&amp;B project page exports: run columns, then config, then summary metrics.</summary>
    public static void WriteRunsTable(string path, int runs)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        w.Write("Name,State,Created,Runtime,Tags,learning_rate,batch_size,model,train/loss,eval/loss,_step\n");
        var rng = new Random(17);
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < runs; i++)
        {
            var lr = rng.Next(3) switch { 0 => 1e-5, 1 => 3e-5, _ => 1e-4 };
            var tags = $"\"{Projects[i % Projects.Length]},{(lr >= 1e-4 ? "lr-high" : "lr-low")}\"";
            var loss = 0.8 + rng.NextDouble() * 1.5;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"sweep-{i:D5}-{Projects[i % Projects.Length]},{States[rng.Next(States.Length)]},{start.AddMinutes(i):yyyy-MM-ddTHH:mm:ss},{rng.Next(600, 90_000)},{tags},{lr:G},{8 << rng.Next(4)},{Projects[i % Projects.Length]},{loss:F4},{loss * 1.08:F4},{rng.Next(100, 20_000)}\n"));
        }
    }

    private static async Task<List<double>> TimeAsync(HttpClient http, int count, Func<int, string> url, Action<string>? body = null)
    {
        for (var i = 0; i < 3; i++) await http.GetStringAsync(url(i)); // JIT and first-load warm-up
        var times = new List<double>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            var sw = Stopwatch.StartNew();
            var text = await http.GetStringAsync(url(i));
            times.Add(sw.Elapsed.TotalMilliseconds);
            body?.Invoke(text);
        }
        // CPU time of this process (server and client both) per request: on a machine shared with other work the
        // wall times above vary severalfold from run to run, this much less.
        _cpuPerRequest = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / count;
        return times;
    }

    private static double _cpuPerRequest;

    private static string Percentiles(List<double> times)
    {
        var sorted = times.Order().ToList();
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):F1} ms, p95 {At(0.95):F1} ms ({sorted.Count} requests; CPU {_cpuPerRequest:F1} ms a request)");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks;

/// <summary>
/// The whole path a user takes: a generated MLX-LM log uploaded over HTTP (multipart, as curl -F sends it) to the
/// real dashboard on loopback, then the run page opened in headless Chromium until its first chart is painted.
/// Prints figures only; it fails (throws) only when something does not work, never for a time.
/// </summary>
public static class EndToEndBenchmark
{
    /// <param name="put">Upload as <c>curl -T</c> does (PUT of the bytes) instead of <c>curl -F</c> (a multipart form).</param>
    /// <param name="dotnetClient">Upload with .NET's HttpClient in this process instead of curl.</param>
    /// <param name="warmUp">Let the server warm its import up at start (on, as in a deployed dashboard), and wait for that before the first upload.</param>
    public static async Task RunAsync(string dir, string log, bool put = false, bool dotnetClient = false, bool warmUp = true)
    {
        // How fast `wc -l` reads a file here depends on how the page cache holds it: a file written moments ago with
        // File.Copy read at 6.9–7.3 GB/s, one written in 1 MB writes at 8 GB/s, the same bytes cached since hours at
        // 4–6 GB/s. Both the line count and the uploads read copies made now with File.Copy, as the figures in the
        // README were measured. The second and third copies differ from the log in their first byte and end with one more
        // line: new bytes to the server, not a log that grew, and not of a length seen before (bytes of a length seen
        // before are hashed before the answer, to find a duplicate).
        var copies = Enumerable.Range(1, 3).Select(i => Path.Combine(dir, $"e2e-just-written-{i}-" + Path.GetFileName(log))).ToArray();
        try
        {
            for (var i = 0; i < copies.Length; i++)
            {
                File.Copy(log, copies[i], overwrite: true);
                using var copy = new FileStream(copies[i], FileMode.Open, FileAccess.ReadWrite);
                if (i > 0)
                {
                    copy.WriteByte((byte)('0' + i));
                    copy.Seek(0, SeekOrigin.End);
                    copy.Write(System.Text.Encoding.UTF8.GetBytes($"Benchmark copy {new string('+', i)}\n"));
                }
                // On disk before anything is timed: the kernel writing the copy's pages back would take processor time
                // from the uploads.
                copy.Flush(flushToDisk: true);
            }
            var client = dotnetClient || !File.Exists(Curl) ? null : Curl;
            await RunOnAsync(dir, copies, put, client, warmUp);
        }
        finally
        {
            foreach (var copy in copies) File.Delete(copy);
        }
    }

    private const string Curl = "/usr/bin/curl";

    private static async Task RunOnAsync(string dir, string[] logs, bool put, string? curl, bool warmUp)
    {
        var log = logs[0];
        var mb = new FileInfo(log).Length / 1048576.0;
        var load = File.Exists("/proc/loadavg") ? " · load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
        Console.WriteLine($"RunDashboard end-to-end benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}{load} · {Path.GetFileName(log)} ({mb:F1} MB) · client: {(curl is null ? ".NET HttpClient in this process" : "curl (a separate process, as a training script's)")}");

        var (lineCounter, lineSeconds) = LineCount(log);
        var (app, baseUrl) = await BenchServer.StartAsync(dir, "e2e.db", fresh: true, $"--Dashboard:WarmUpImports={warmUp}");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(30) };

        // The first upload into a fresh server also pays for compiling the code it runs (the runtime compiles each
        // method, then recompiles the hot ones optimised); the server does that in the background as soon as it
        // listens (StartupWarmUp), so a user's first upload comes after it. Without it (--no-warm-up), the first upload
        // is sent the moment the server listens.
        var warmUpTime = Stopwatch.StartNew();
        await app.Services.GetRequiredService<StartupWarmUp>().Done;
        var warmUpSeconds = warmUpTime.Elapsed.TotalSeconds;
        var first = await UploadAsync(http, logs[0], put, curl);
        // After the commit the raw bytes are compressed into the database in the background, and the next large
        // import waits for that (the two must not write the database file at once): wait here, so the second upload
        // times the import alone.
        var archive = Stopwatch.StartNew();
        await Task.Run(() => app.Services.GetRequiredService<RunStore>().Uploads.WaitForArchive());
        var archiveSeconds = archive.Elapsed.TotalSeconds;
        var again = await UploadAsync(http, logs[1], put, curl);
        // Without the warm-up, the second upload still pays for optimising what the first one ran only a few times (format detection, the
        // generic reader's rules, a large generated regex: about 0.25 processor seconds of compiling); a third one
        // shows a server that has been importing for a while.
        await Task.Run(() => app.Services.GetRequiredService<RunStore>().Uploads.WaitForArchive());
        var third = await UploadAsync(http, logs[2], put, curl);
        var peakAfterImport = Process.GetCurrentProcess().PeakWorkingSet64;
        var run = third.Run;
        var runId = run.GetProperty("id").GetString()!;
        var points = run.TryGetProperty("metrics", out var metrics) ? metrics.EnumerateArray().Sum(m => m.GetProperty("points").GetInt64()) : 0;

        var series = Stopwatch.StartNew();
        var buckets = JsonDocument.Parse(await http.GetStringAsync($"/api/runs/{runId}/series?key=train/loss&points=1200")).RootElement;
        var seriesMs = series.Elapsed.TotalMilliseconds;
        if (buckets.GetProperty("steps").GetArrayLength() == 0) throw new InvalidOperationException("the train/loss series came back empty");

        using var playwright = await Playwright.CreateAsync();
        var launch = Stopwatch.StartNew();
        await using var browser = await BenchServer.LaunchChromiumAsync(playwright);
        var launchMs = launch.Elapsed.TotalMilliseconds;
        var cold = await FirstChartAsync(browser, $"{baseUrl}/runs/{runId}");
        var warm = await FirstChartAsync(browser, $"{baseUrl}/runs/{runId}");

        string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine(F($"  file: {mb:F1} MB, {points:N0} points stored"));
        Console.WriteLine(F($"  {lineCounter}: {lineSeconds:F3} s ({mb / lineSeconds:F0} MB/s)"));
        void PrintUpload(string which, Upload upload)
        {
            Console.WriteLine(F($"  upload + import over HTTP ({(put ? "PUT /api/uploads/{name}, as curl -T" : "POST /api/uploads, as curl -F")}, until the run is committed) {which}: {upload.Seconds:F2} s ({mb / upload.Seconds:F1} MB/s), {lineSeconds / upload.Seconds:F3} of line counting's speed; {(upload.ClientCpuSeconds is { } client ? F($"{upload.ServerCpuSeconds:F2} CPU seconds in the server, {client:F2} in curl") : F($"{upload.ServerCpuSeconds:F2} CPU seconds (server and .NET client)"))}, {upload.AllocatedMb:F0} MB allocated, {upload.Collections} collections"));
            var timings = upload.Timings;
            if (timings.ValueKind != JsonValueKind.Object) return;
            double T(string name) => timings.GetProperty(name).GetDouble();
            Console.WriteLine(F($"    where the time went (server): receive {T("receive"):F2} s, hash {T("hash"):F2} s, parse {T("parse"):F2} s, keep raw bytes {T("keepBytes"):F2} s, commit {T("commit"):F2} s (import {T("import"):F2} s){(timings.GetProperty("parsedWhileReceiving").GetBoolean() ? "; parsed while the body arrived" : "")}"));
        }
        Console.WriteLine(warmUp ? F($"  the server's start-up warm-up (StartupWarmUp) ended {warmUpSeconds:F2} s after it began listening") : "  the server's import warm-up is off (--no-warm-up)");
        PrintUpload("first upload to a fresh server", first);
        Console.WriteLine(F($"    its raw bytes compressed into the database in the background: done {archiveSeconds:F1} s after the answer"));
        PrintUpload("the same log again (a server that has imported before)", again);
        PrintUpload("a third time (a server that has been importing for a while)", third);
        Console.WriteLine(F($"  whole train/loss at 1,200 buckets (GET /api/runs/{{id}}/series): {seriesMs:F0} ms"));
        Console.WriteLine(F($"  run page → first chart painted in headless Chromium: {cold:F0} ms on the first load, {warm:F0} ms on the second (Chromium started in {launchMs:F0} ms)"));
        Console.WriteLine(F($"  peak working set of the process (the server, and the .NET client with --dotnet-client; curl and Chromium not counted): {peakAfterImport / 1048576.0:F0} MB after the import, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB at the end"));
    }

    /// <param name="ServerCpuSeconds">Processor time of this process (the server, and the client when it is .NET's).</param>
    /// <param name="ClientCpuSeconds">curl's processor time; null when the client ran in this process.</param>
    private sealed record Upload(double Seconds, double ServerCpuSeconds, double? ClientCpuSeconds, double AllocatedMb, int Collections, JsonElement Run, JsonElement Timings);

    /// <summary>
    /// Uploads <paramref name="log"/> with curl as a training script does (<c>curl -F file=@log</c>, or <c>curl -T log</c>
    /// with <paramref name="put"/>), or with .NET's HttpClient in this process when <paramref name="curl"/> is null.
    /// </summary>
    private static async Task<Upload> UploadAsync(HttpClient http, string log, bool put, string? curl)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var children = ChildrenCpuSeconds();
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var collections = GC.CollectionCount(0);
        var upload = Stopwatch.StartNew();
        var (status, body) = curl is null ? await SendAsync(http, log, put) : await CurlAsync(curl, http.BaseAddress!, log, put);
        var seconds = upload.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double? clientSeconds = curl is null ? null : ChildrenCpuSeconds() - children;
        var allocatedMb = (GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1048576.0;
        collections = GC.CollectionCount(0) - collections;
        if (status is < 200 or > 299) throw new InvalidOperationException($"upload answered {status}: {body}");
        var root = JsonDocument.Parse(body).RootElement;
        var runs = root.GetProperty("runs");
        if (runs.GetArrayLength() != 1) throw new InvalidOperationException($"the upload made {runs.GetArrayLength()} runs, not 1: {body}");
        return new Upload(seconds, cpuSeconds, clientSeconds, allocatedMb, collections, runs[0].Clone(), root.TryGetProperty("timings", out var t) ? t.Clone() : default);
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient http, string log, bool put)
    {
        var file = new StreamContent(File.OpenRead(log), 1 << 16);
        HttpContent content;
        if (put)
        {
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content = file;
        }
        else
        {
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            var form = new MultipartFormDataContent();
            form.Add(file, "file", Path.GetFileName(log));
            form.Add(new StringContent("e2e benchmark"), "name");
            content = form;
        }
        using var _ = content;
        using var response = put
            ? await http.PutAsync($"/api/uploads/{Uri.EscapeDataString(Path.GetFileName(log))}?name=e2e%20benchmark", content)
            : await http.PostAsync("/api/uploads", content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int Status, string Body)> CurlAsync(string curl, Uri baseAddress, string log, bool put)
    {
        string[] args = put
            ? ["-sS", "-o", "-", "-w", "\n%{http_code}", "-T", log, new Uri(baseAddress, $"/api/uploads/{Uri.EscapeDataString(Path.GetFileName(log))}?name=e2e%20benchmark").AbsoluteUri]
            : ["-sS", "-o", "-", "-w", "\n%{http_code}", "-F", $"file=@{log};type=text/plain", "-F", "name=e2e benchmark", new Uri(baseAddress, "/api/uploads").AbsoluteUri];
        using var p = Process.Start(new ProcessStartInfo(curl, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"curl exited with {p.ExitCode}: {await errors}");
        var text = await output;
        var cut = text.LastIndexOf('\n');
        return (int.Parse(text[(cut + 1)..], CultureInfo.InvariantCulture), text[..cut]);
    }

    /// <summary>Processor seconds of this process's finished child processes (getrusage RUSAGE_CHILDREN): curl's, once it exited.</summary>
    private static double ChildrenCpuSeconds() =>
        OperatingSystem.IsLinux() && getrusage(-1, out var usage) == 0 ? usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6 : 0;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        // The 14 counters that follow (maxrss, faults, …) are not read.
        private readonly long _c1, _c2, _c3, _c4, _c5, _c6, _c7, _c8, _c9, _c10, _c11, _c12, _c13, _c14;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    /// <summary>Navigation → the loss chart's first trace drawn. Throws (Playwright's timeout) when no chart comes.</summary>
    internal static async Task<double> FirstChartAsync(IBrowser browser, string url)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        try
        {
            var sw = Stopwatch.StartNew();
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("#chart-loss g.trace.scatter").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            var firstChart = sw.Elapsed.TotalMilliseconds;
            // The other panels are drawn just after; closing the page under them would make the server log a
            // disconnected circuit's failed Plotly call, which reads like an error in the CI log.
            try
            {
                await page.WaitForFunctionAsync("() => document.querySelectorAll('.js-plotly-plot').length >= 5", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
            }
            catch (TimeoutException)
            {
            }
            return firstChart;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>
    /// What plain line counting of the file costs here: <c>wc -l</c> when the machine has it (best of two, so the
    /// file is in the page cache both for it and for the upload), else the same newline count in this process.
    /// </summary>
    internal static (string Name, double Seconds) LineCount(string log)
    {
        var best = double.MaxValue;
        var wc = File.Exists("/usr/bin/wc") ? "/usr/bin/wc" : null;
        for (var i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            if (wc is not null)
            {
                using var p = Process.Start(new ProcessStartInfo(wc, ["-l", log]) { RedirectStandardOutput = true })!;
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"wc -l {log} exited with {p.ExitCode}");
            }
            else
            {
                CountNewlines(log);
            }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (wc is not null ? "wc -l" : "newline count in process (no wc here)", best);
    }

    private static long CountNewlines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        long lines = 0;
        int n;
        while ((n = stream.Read(buffer)) > 0) lines += buffer.AsSpan(0, n).Count((byte)'\n');
        return lines;
    }
}

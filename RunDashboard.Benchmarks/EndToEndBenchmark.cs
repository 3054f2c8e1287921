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
    public static async Task RunAsync(string dir, string log, bool put = false)
    {
        // How fast `wc -l` reads a file here depends on how the page cache holds it: a file written moments ago read at
        // 8–9 GB/s, the same bytes cached since hours at 4–6 GB/s. Both the line count and the uploads read a copy
        // written now, as a trainer's log is, so the ratio is the strictest and the same from run to run.
        var fresh = Path.Combine(dir, "e2e-just-written-" + Path.GetFileName(log));
        File.Copy(log, fresh, overwrite: true);
        // On disk before anything is timed: the kernel writing the copy's pages back would take processor time from
        // the first upload.
        using (var copy = new FileStream(fresh, FileMode.Open, FileAccess.ReadWrite)) copy.Flush(flushToDisk: true);
        try
        {
            await RunOnAsync(dir, fresh, put);
        }
        finally
        {
            File.Delete(fresh);
        }
    }

    private static async Task RunOnAsync(string dir, string log, bool put)
    {
        var mb = new FileInfo(log).Length / 1048576.0;
        var load = File.Exists("/proc/loadavg") ? " · load average " + File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
        Console.WriteLine($"RunDashboard end-to-end benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}{load} · {Path.GetFileName(log)} ({mb:F1} MB)");

        var (lineCounter, lineSeconds) = LineCount(log);
        var (app, baseUrl) = await BenchServer.StartAsync(dir, "e2e.db");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(30) };

        // The first upload into a fresh server also pays for compiling the code it runs (the runtime compiles each
        // method, then recompiles the hot ones optimised); a dashboard that has been up for a while has done that. The
        // later uploads send the same log with one more first line, so their bytes are new to the server.
        var first = await UploadAsync(http, log, firstLine: null, put);
        // After the commit the raw bytes are compressed into the database in the background, and the next large
        // import waits for that (the two must not write the database file at once): wait here, so the second upload
        // times the import alone.
        var archive = Stopwatch.StartNew();
        await Task.Run(() => app.Services.GetRequiredService<RunStore>().Uploads.WaitForArchive());
        var archiveSeconds = archive.Elapsed.TotalSeconds;
        var again = await UploadAsync(http, log, firstLine: "Fetching the benchmark log a second time\n", put);
        // The second upload still pays for optimising what the first one ran only a few times (format detection, the
        // generic reader's rules, a large generated regex: about 0.25 processor seconds of compiling); a third one
        // shows a server that has been importing for a while.
        await Task.Run(() => app.Services.GetRequiredService<RunStore>().Uploads.WaitForArchive());
        var third = await UploadAsync(http, log, firstLine: "Fetching the benchmark log a third time\n", put);
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
            Console.WriteLine(F($"  upload + import over HTTP ({(put ? "PUT /api/uploads/{name}, as curl -T" : "POST /api/uploads, as curl -F")}, until the run is committed) {which}: {upload.Seconds:F2} s ({mb / upload.Seconds:F1} MB/s), {lineSeconds / upload.Seconds:F3} of line counting's speed; {upload.CpuSeconds:F2} CPU seconds (server and client), {upload.AllocatedMb:F0} MB allocated, {upload.Collections} collections"));
            var timings = upload.Timings;
            if (timings.ValueKind != JsonValueKind.Object) return;
            double T(string name) => timings.GetProperty(name).GetDouble();
            Console.WriteLine(F($"    where the time went (server): receive {T("receive"):F2} s, hash {T("hash"):F2} s, parse {T("parse"):F2} s, keep raw bytes {T("keepBytes"):F2} s, commit {T("commit"):F2} s (import {T("import"):F2} s){(timings.GetProperty("parsedWhileReceiving").GetBoolean() ? "; parsed while the body arrived" : "")}"));
        }
        PrintUpload("first upload to a fresh server", first);
        Console.WriteLine(F($"    its raw bytes compressed into the database in the background: done {archiveSeconds:F1} s after the answer"));
        PrintUpload("the same log again (a server that has imported before)", again);
        PrintUpload("a third time (a server that has been importing for a while)", third);
        Console.WriteLine(F($"  whole train/loss at 1,200 buckets (GET /api/runs/{{id}}/series): {seriesMs:F0} ms"));
        Console.WriteLine(F($"  run page → first chart painted in headless Chromium: {cold:F0} ms on the first load, {warm:F0} ms on the second (Chromium started in {launchMs:F0} ms)"));
        Console.WriteLine(F($"  peak working set of the process (server and HTTP client; Chromium not counted): {peakAfterImport / 1048576.0:F0} MB after the import, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB at the end"));
    }

    private sealed record Upload(double Seconds, double CpuSeconds, double AllocatedMb, int Collections, JsonElement Run, JsonElement Timings);

    /// <summary>
    /// Uploads <paramref name="log"/> as <c>curl -F file=@log</c> does (or <c>curl -T log</c> with <paramref name="put"/>),
    /// with <paramref name="firstLine"/> sent before its bytes.
    /// </summary>
    private static async Task<Upload> UploadAsync(HttpClient http, string log, string? firstLine, bool put)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        var collections = GC.CollectionCount(0);
        var upload = Stopwatch.StartNew();
        Stream bytes = File.OpenRead(log);
        if (firstLine is not null) bytes = new HeadedStream(System.Text.Encoding.UTF8.GetBytes(firstLine), bytes);
        var file = new StreamContent(bytes, 1 << 16);
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
        var body = await response.Content.ReadAsStringAsync();
        var seconds = upload.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var allocatedMb = (GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1048576.0;
        collections = GC.CollectionCount(0) - collections;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement;
        var runs = root.GetProperty("runs");
        if (runs.GetArrayLength() != 1) throw new InvalidOperationException($"the upload made {runs.GetArrayLength()} runs, not 1: {body}");
        return new Upload(seconds, cpuSeconds, allocatedMb, collections, runs[0].Clone(), root.TryGetProperty("timings", out var t) ? t.Clone() : default);
    }

    /// <summary>A few bytes, then a file: the length is known, so the request still has a Content-Length.</summary>
    private sealed class HeadedStream(byte[] head, Stream rest) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => head.Length + rest.Length;

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_position < head.Length)
            {
                n = Math.Min(buffer.Length, head.Length - (int)_position);
                head.AsSpan((int)_position, n).CopyTo(buffer);
            }
            else
            {
                n = rest.Read(buffer);
            }
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            _position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => Length + offset };
            rest.Position = Math.Max(0, _position - head.Length);
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }
    }

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

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using RunDashboard.Core.Services;

namespace RunDashboard.Benchmarks;

/// <summary>
/// Issue 5's targets, measured on the real app: first chart paint of a 1M-point run in headless Chromium, the
/// series endpoint answering a 10-run × 100k-point compare, and the data each chart receives.
/// </summary>
public static class WebBenchmark
{
    public static async Task RunAsync(string dir)
    {
        var (app, baseUrl) = await BenchServer.StartAsync(dir, "web.db");
        var imports = app.Services.GetRequiredService<ImportService>();

        Console.Write("importing a 1,000,000-iteration run and ten 100,000-iteration runs… ");
        var big = await ImportAsync(imports, dir, "million.log", 1_000_000);
        var small = new List<string>();
        for (var i = 0; i < 10; i++) small.Add(await ImportAsync(imports, dir, $"hundred_k_{i}.log", 100_000, seed: i));
        Console.WriteLine("done");

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var compareUrl = $"/api/series?runs={string.Join(',', small)}&key=train/loss&points=1200";
        var times = new List<double>();
        long bytes = 0;
        for (var i = 0; i < 21; i++)
        {
            var sw = Stopwatch.StartNew();
            var body = await http.GetByteArrayAsync(compareUrl);
            sw.Stop();
            if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first request warms the JIT
            bytes = body.Length;
        }
        times.Sort();
        Console.WriteLine();
        Console.WriteLine($"Series endpoint, 10 runs × 100,000 points of train/loss at 1200 buckets: p50 {times[times.Count / 2]:F0} ms, " +
                          $"p95 {times[(int)(times.Count * 0.95) - 1]:F0} ms (loopback, {times.Count} requests), {bytes / 1024.0:F0} KB");
        var full = Stopwatch.StartNew();
        var one = await http.GetByteArrayAsync($"/api/runs/{big}/series?key=train/loss&points=1200");
        Console.WriteLine($"Series endpoint, 1,000,000 points at 1200 buckets: {full.Elapsed.TotalMilliseconds:F0} ms, {one.Length / 1024.0:F0} KB");

        // Unfurl previews: each distinct state renders once; a burst for one link is served from the cache.
        var renders = new List<double>();
        for (var i = 0; i < 41; i++)
        {
            var sw = Stopwatch.StartNew();
            await http.GetByteArrayAsync($"/preview/compare.png?runs={string.Join(',', small.Take(3))}&metric=train/loss&smooth={0.5 + i * 0.01:0.00}");
            if (i > 0) renders.Add(sw.Elapsed.TotalMilliseconds);
        }
        renders.Sort();
        Console.WriteLine($"Preview PNG (compare of 3 runs × 100,000 points), uncached render + request: p50 {renders[renders.Count / 2]:F0} ms, p95 {renders[(int)(renders.Count * 0.95) - 1]:F0} ms");
        var burstUrl = $"/preview/runs/{big}.png";
        var burst = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (_, ct) => await http.GetByteArrayAsync(burstUrl, ct));
        Console.WriteLine($"Preview PNG burst: 200 requests for one link (8 at a time, first one renders): {200 / burst.Elapsed.TotalSeconds:F0} requests/s, {burst.Elapsed.TotalMilliseconds:F0} ms in all");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchServer.LaunchChromiumAsync(playwright);
        foreach (var _ in Enumerable.Range(0, 2)) await http.GetStringAsync($"/runs/{big}");
        var prerender = Stopwatch.StartNew();
        await http.GetStringAsync($"/runs/{big}");
        Console.WriteLine($"Prerendered HTML of the 1,000,000-point run page (all panels' data read and reduced on the server): {prerender.Elapsed.TotalMilliseconds:F0} ms");
        var baseline = await FirstPaintAsync(browser, $"{baseUrl}/runs/{small[0]}");
        Console.WriteLine($"Run page of a 100,000-point run, navigation → first chart painted: p50 {baseline.P50:F0} ms");
        var (p50, max) = await FirstPaintAsync(browser, $"{baseUrl}/runs/{big}");
        Console.WriteLine($"Run page of the 1,000,000-point run, navigation → first chart painted (headless Chromium): p50 {p50:F0} ms, max {max:F0} ms over 5 loads");
        Dictionary<string, int> payload = [];
        for (var i = 0; i < 1; i++)
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            var sw = Stopwatch.StartNew();
            await page.GotoAsync($"{baseUrl}/runs/{big}", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("#chart-loss g.trace.scatter").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            sw.Stop();
            // The other panels are drawn just after the first: wait for all of them.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.js-plotly-plot').length >= 5", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            payload = await page.EvaluateAsync<Dictionary<string, int>>(
                "() => Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')].map(g => [g.id, JSON.stringify(g.data).length]))");
            await page.CloseAsync();
        }
        Console.WriteLine("Data per chart on that page: " + string.Join(", ", payload.Select(p => $"{p.Key} {p.Value / 1024.0:F0} KB")));
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static async Task<(double P50, double Max)> FirstPaintAsync(IBrowser browser, string url)
    {
        var paints = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            await page.AddInitScriptAsync("new MutationObserver(() => { if (!window.rdInteractiveAt && document.getElementById('rd-interactive')) window.rdInteractiveAt = performance.now(); }).observe(document, { childList: true, subtree: true });");
            if (Environment.GetEnvironmentVariable("RD_TRACE_PLOTLY") is not null)
            {
                await page.AddInitScriptAsync(@"(() => { const log = window.rdLog = []; let P;
                  Object.defineProperty(window, 'Plotly', { configurable: true, get() { return P; }, set(v) { P = v; log.push(['plotly-set', performance.now()]);
                    for (const name of ['newPlot', 'react']) { const orig = v[name]; v[name] = function (...a) { const t = performance.now(); const r = orig.apply(this, a);
                      Promise.resolve(r).then(() => log.push([name + ' ' + (a[0].id || a[0]), t, performance.now()])); return r; }; } } }); })();");
            }
            var sw = Stopwatch.StartNew();
            await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("#chart-loss g.trace.scatter").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            if (i == 5 && Environment.GetEnvironmentVariable("RD_TRACE_PLOTLY") is not null)
            {
                await Task.Delay(2000);
                Console.WriteLine("  " + await page.EvaluateAsync<string>("() => JSON.stringify(window.rdLog.map(e => e.map(x => typeof x === 'number' ? Math.round(x) : x)))"));
            }
            if (i > 0) paints.Add(sw.Elapsed.TotalMilliseconds);
            if (i == 5)
            {
                var t = await page.EvaluateAsync<double[]>("() => { const n = performance.getEntriesByType('navigation')[0]; const p = performance.getEntriesByName(location.origin + '/_content/Plotly.Blazor/plotly-basic-3.7.0.min.js')[0]; return [n.responseEnd, n.domContentLoadedEventEnd, p ? p.responseEnd : -1, window.rdInteractiveAt || -1]; }");
                Console.WriteLine($"  (last load: HTML received {t[0]:F0} ms, DOMContentLoaded {t[1]:F0} ms, Plotly script received {t[2]:F0} ms, circuit interactive {t[3]:F0} ms, chart painted {sw.Elapsed.TotalMilliseconds:F0} ms)");
            }
            await page.CloseAsync();
        }
        paints.Sort();
        return (paints[paints.Count / 2], paints[^1]);
    }

    private static async Task<string> ImportAsync(ImportService imports, string dir, string name, int iterations, int seed = 0)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path))
        {
            using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
            var rng = new Random(seed);
            for (var it = 1; it <= iterations; it++)
            {
                var loss = 2.5 / Math.Log(it + 2) + rng.NextDouble() * 0.05;
                w.Write(string.Create(CultureInfo.InvariantCulture,
                    $"Iter {it}: Train loss {loss:F4}, Learning Rate {1e-5:E3}, It/sec 0.400, Tokens/sec {170 + rng.NextDouble() * 15:F3}, Trained Tokens {it * 420L}, Peak mem 8.000 GB\n"));
                if (it % 1000 == 0) w.Write(string.Create(CultureInfo.InvariantCulture, $"Iter {it}: Val loss {loss * 1.1:F3}, Val took 28.000s\n"));
            }
        }
        var report = await imports.ImportAsync([new UploadFile(name, () => File.OpenRead(path))], new UploadOptions(Name: name));
        if (!report.Succeeded) throw new InvalidOperationException(report.Error);
        return report.Runs[0].Id;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace RunDashboard.Benchmarks;

/// <summary>
/// The same MLX-LM log uploaded by a script (HttpClient multipart, as curl -F sends it) and through the /upload
/// page in headless Chromium, each timed until the run is stored and reported. Between the two the upload is
/// deleted, so neither is answered as a duplicate of the other.
/// </summary>
public static class FormUploadBenchmark
{
    public static async Task RunAsync(string dir, string log, int rounds)
    {
        var (app, baseUrl) = await BenchServer.StartAsync(dir, "form.db");
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(30) };
        var mb = new FileInfo(log).Length / 1048576.0;
        Console.WriteLine($"RunDashboard form-upload benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version} · {Path.GetFileName(log)} ({mb:F0} MB)");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BenchServer.LaunchChromiumAsync(playwright);

        var api = new List<double>();
        var form = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var sw = Stopwatch.StartNew();
            using (var content = new MultipartFormDataContent())
            {
                var file = new StreamContent(File.OpenRead(log), 1 << 16);
                file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                content.Add(file, "file", Path.GetFileName(log));
                content.Add(new StringContent("api run"), "name");
                using var response = await http.PostAsync("/api/uploads", content);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload answered {(int)response.StatusCode}: {body}");
            }
            api.Add(sw.Elapsed.TotalSeconds);
            await DeleteUploadsAsync(http);

            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            await page.GotoAsync(baseUrl + "/upload");
            await page.Locator("#rd-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
            await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[type=file]'); return i && i._blazorInputFileNextFileId !== undefined; }");
            await page.Locator("input[type=file]").SetInputFilesAsync(log);
            await page.Locator("#chosen-files").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
            await page.Locator("#upload-name").FillAsync("form run");
            sw.Restart();
            await page.Locator("#upload-submit").ClickAsync();
            await page.Locator("a.run-link", new PageLocatorOptions { HasText = "form run" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 30 * 60_000 });
            form.Add(sw.Elapsed.TotalSeconds);
            await page.CloseAsync();
            await DeleteUploadsAsync(http);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: API (HttpClient multipart) {api[^1]:F1} s · form in Chromium {form[^1]:F1} s · ratio {form[^1] / api[^1]:F2}"));
        }
        var (a, f) = (api.Min(), form.Min());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"best of {rounds}: API {a:F1} s ({mb / a:F0} MB/s), form {f:F1} s, form / API {f / a:F2} (target ≤ 1.25 × API + 1 s = {1.25 * a + 1:F1} s: {(f <= 1.25 * a + 1 ? "met" : "NOT met")})"));
        await app.StopAsync();
    }

    private static async Task DeleteUploadsAsync(HttpClient http)
    {
        foreach (var upload in JsonDocument.Parse(await http.GetStringAsync("/api/uploads")).RootElement.EnumerateArray())
        {
            (await http.DeleteAsync($"/api/uploads/{upload.GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
        }
    }
}

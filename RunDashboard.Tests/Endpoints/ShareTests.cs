using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;
using SkiaSharp;

namespace RunDashboard.Tests.Endpoints;

/// <summary>What a chat client sees: it fetches pages without JavaScript and shows the OpenGraph card.</summary>
public partial class ShareTests : IAsyncLifetime
{
    private const string PublicBase = "https://dash.example.org/lab";
    private DashboardServer _server = null!;
    private string _mlx = "", _run3 = "";

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync($"--Dashboard:PublicBaseUrl={PublicBase}");
        _mlx = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log", "SmolLM3 run 3");
        var runs = await _server.UploadAsync("training_runs_comparison.json", Fixture.Bytes("training_runs_comparison.json"));
        _run3 = runs.EnumerateArray().Single(r => r.GetProperty("name").GetString()!.EndsWith("run3")).GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [GeneratedRegex("<meta (?:property|name)=\"(?<k>[^\"]+)\" content=\"(?<v>[^\"]*)\"")]
    private static partial Regex MetaTag();

    private async Task<Dictionary<string, string>> MetaAsync(string path)
    {
        var html = await new HttpClient().GetStringAsync(_server.BaseUrl + path); // no cookies, no JavaScript: a link unfurler
        var tags = MetaTag().Matches(html).ToDictionary(m => m.Groups["k"].Value, m => WebUtility.HtmlDecode(m.Groups["v"].Value));
        tags["<title>"] = WebUtility.HtmlDecode(Regex.Match(html, "<title>(.*?)</title>").Groups[1].Value);
        return tags;
    }

    [Fact]
    public async Task A_run_page_carries_its_card_with_numbers_and_public_links()
    {
        var meta = await MetaAsync($"/runs/{_mlx}?from=200&to=900");

        Assert.Equal("SmolLM3 run 3", meta["og:title"]);
        Assert.Equal("train/loss 1.379 · val 1.558 · gap 13.0% · 1800 steps · SFT · uploads", meta["og:description"]);
        Assert.Equal($"{PublicBase}/runs/{_mlx}?from=200&to=900", meta["og:url"]);
        Assert.Equal($"{PublicBase}/preview/runs/{_mlx}.png?from=200&to=900", meta["og:image"]);
        Assert.Equal("summary_large_image", meta["twitter:card"]);
        Assert.Equal("SmolLM3 run 3 · RunDashboard", meta["<title>"]);
    }

    [Fact]
    public async Task A_preference_run_card_carries_its_margin_and_accuracy()
    {
        var id = await _server.UploadFixtureAsync("trl_dpo_stdout.log");

        var meta = await MetaAsync($"/runs/{id}");

        Assert.Equal("train/loss 0.3795 · margin 1.045 · accuracy 91.8% · 180 steps · DPO · uploads", meta["og:description"]);
    }

    [Fact]
    public async Task A_compare_page_carries_the_runs_and_their_final_values()
    {
        var meta = await MetaAsync($"/compare?runs={_run3},{_mlx}&metric=train/loss&smooth=0.80&log=true");

        Assert.Equal("SmolLM3-3B_run3 vs SmolLM3 run 3", meta["og:title"]);
        Assert.Equal("train/loss: SmolLM3-3B_run3 1.461 · SmolLM3 run 3 1.379", meta["og:description"]);
        Assert.StartsWith($"{PublicBase}/preview/compare.png?runs={_run3},{_mlx}&metric=train%2Floss&smooth=0.80&log=true", meta["og:image"]);
    }

    [Fact]
    public async Task The_run_preview_is_a_1200_by_630_png_with_the_train_and_eval_colours()
    {
        var response = await _server.Client.GetAsync($"/preview/runs/{_mlx}.png");

        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        var png = await response.Content.ReadAsByteArrayAsync();
        Keep(png, "preview-run");
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(1200, bitmap.Width);
        Assert.Equal(630, bitmap.Height);
        Assert.True(Pixels(bitmap, 0x3f, 0x51, 0xb5) > 200, "train line (#3f51b5) missing");
        Assert.True(Pixels(bitmap, 0xe6, 0x51, 0x00) > 100, "eval line (#e65100) missing");
    }

    [Fact]
    public async Task The_compare_preview_draws_each_run_in_its_page_colour()
    {
        var png = await _server.Client.GetByteArrayAsync($"/preview/compare.png?runs={_run3},{_mlx}&metric=train/loss&smooth=0.6");

        Keep(png, "preview-compare");
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((1200, 630), (bitmap.Width, bitmap.Height));
        Assert.True(Pixels(bitmap, 0x1f, 0x77, 0xb4) > 200, "first run (#1f77b4) missing");
        Assert.True(Pixels(bitmap, 0xd9, 0x5f, 0x02) > 200, "second run (#d95f02) missing");
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/preview/compare.png?runs=nope")).StatusCode);
    }

    /// <summary>Kept beside the screenshots, to be looked at.</summary>
    private static void Keep(byte[] png, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name + ".png"), png);
    }

    [Fact]
    public async Task The_compare_card_keeps_the_x_axis_of_the_link()
    {
        var meta = await MetaAsync($"/compare?runs={_mlx}&x=tokens");
        Assert.Contains("x=tokens", meta["og:image"]);

        var png = await _server.Client.GetByteArrayAsync(new Uri(meta["og:image"]).PathAndQuery.Replace("/lab", "", StringComparison.Ordinal));
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(Pixels(bitmap, 0x1f, 0x77, 0xb4) > 200);
        Assert.NotEqual(png, await _server.Client.GetByteArrayAsync($"/preview/compare.png?runs={_mlx}"));
    }

    [Fact]
    public async Task A_grouped_compare_link_unfurls_to_the_groups_line_not_each_run()
    {
        // The same log again under another name: the same settings, so "everything but the seed" makes one group of two.
        var copy = Fixture.Bytes("mlx_lm_lora_run3.log").Concat("\n"u8.ToArray()).ToArray();
        var twin = (await _server.UploadAsync("run3-again.log", copy, "SmolLM3 run 3 again"))[0].GetProperty("id").GetString()!;

        var meta = await MetaAsync($"/compare?runs={_mlx},{twin}&group=settings&band=std");
        Assert.Contains("group=settings", meta["og:image"]);
        Assert.Contains("band=std", meta["og:image"]);
        var grouped = await _server.Client.GetByteArrayAsync(new Uri(meta["og:image"]).PathAndQuery.Replace("/lab", "", StringComparison.Ordinal));
        var separate = await _server.Client.GetByteArrayAsync($"/preview/compare.png?runs={_mlx},{twin}");

        Keep(grouped, "preview-compare-grouped");
        using var groupedBitmap = SKBitmap.Decode(grouped);
        using var separateBitmap = SKBitmap.Decode(separate);
        Assert.True(Pixels(separateBitmap, 0xd9, 0x5f, 0x02) > 200, "without grouping the second run (#d95f02) is missing");
        Assert.True(Pixels(groupedBitmap, 0x1f, 0x77, 0xb4) > 200, "the group's mean (#1f77b4) is missing");
        Assert.True(Pixels(groupedBitmap, 0xd9, 0x5f, 0x02) < 20, "a line per run was drawn although both runs are one group");
    }

    [Fact]
    public void A_groups_band_is_drawn_around_its_mean()
    {
        var x = Enumerable.Range(0, 50).Select(i => (double)i).ToArray();
        var mean = x.Select(v => 2 - v / 50).ToArray();
        var line = new RunDashboard.Previews.PreviewLine("lr=1e-4 (3)", x, mean, "#1f77b4", Lower: [.. mean.Select(v => v - 0.3)], Upper: [.. mean.Select(v => v + 0.3)]);

        var png = RunDashboard.Previews.ChartPreview.Render(new RunDashboard.Previews.PreviewChart("grouped", "", "step", "loss", [line]));

        Keep(png, "preview-band");
        using var bitmap = SKBitmap.Decode(png);
        // The band is the group's colour at a fifth over white: (210, 228, 240).
        Assert.True(Pixels(bitmap, 0xd2, 0xe4, 0xf0) > 20_000, "no band around the mean");
        Assert.True(Pixels(bitmap, 0x1f, 0x77, 0xb4) > 200, "no mean line");
    }

    private static int Pixels(SKBitmap bitmap, byte r, byte g, byte b)
    {
        var n = 0;
        foreach (var p in bitmap.Pixels)
        {
            if (Math.Abs(p.Red - r) < 24 && Math.Abs(p.Green - g) < 24 && Math.Abs(p.Blue - b) < 24) n++;
        }
        return n;
    }

    [Fact]
    public async Task A_short_link_redirects_to_the_full_state_and_unfurls_the_same_way()
    {
        var target = $"/compare?runs={_run3},{_mlx}&metric=train/loss&smooth=0.80";
        var created = await (await _server.Client.PostAsJsonAsync("/api/links", new { url = target })).Content.ReadFromJsonAsync<JsonElement>();
        var code = created.GetProperty("code").GetString()!;
        Assert.Equal(12, code.Length);
        Assert.Equal($"{PublicBase}/s/{code}", created.GetProperty("url").GetString());

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_server.BaseUrl) };
        var redirect = await noRedirect.GetAsync($"/s/{code}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal(target, redirect.Headers.Location!.OriginalString);
        Assert.Equal((await MetaAsync(target))["og:title"], (await MetaAsync($"/s/{code}"))["og:title"]);

        Assert.Equal(code, (await (await _server.Client.PostAsJsonAsync("/api/links", new { url = target })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.PostAsJsonAsync("/api/links", new { url = "//evil.example/x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await noRedirect.GetAsync("/s/doesnotexist")).StatusCode);
    }

    [Fact]
    public async Task Copy_short_link_then_open_it_in_a_fresh_browser_shows_the_same_view()
    {
        var (playwright, browser) = await Support.Browser.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = _server.BaseUrl });
            var page = await context.NewPageAsync();
            await page.GotoAsync($"{_server.BaseUrl}/compare?runs={_run3},{_mlx}&smooth=0.90&log=true");
            await Support.Browser.WaitForInteractiveAsync(page);
            await page.Locator("#copy-short-link").ClickAsync();
            await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Short link copied");
            var copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
            Assert.StartsWith($"{PublicBase}/s/", copied);

            var fresh = await (await browser.NewContextAsync()).NewPageAsync();
            await fresh.GotoAsync(_server.BaseUrl + new Uri(copied).AbsolutePath[new Uri(PublicBase).AbsolutePath.Length..]);
            await Support.Browser.WaitForInteractiveAsync(fresh);
            Assert.Contains("smooth=0.90", fresh.Url);
            await Assertions.Expect(fresh.GetByText("Smoothing 0.90")).ToBeVisibleAsync();
            await fresh.WaitForFunctionAsync("() => document.getElementById('chart-compare')?._fullLayout?.yaxis?.type === 'log'");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}

using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>Chromium against the real dashboard: cross-origin writes, token sign-in, and hostile run names shown as text.</summary>
[Trait("Category", "Browser")]
public class SecurityBrowserTests : IAsyncLifetime
{
    private const string HtmlName = "<a href=\"https://evil.example/\" id=\"pwn\">click</a> & <b>bold</b> <img src=x>";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync() => (_playwright, _browser) = await Support.Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>A second web site on loopback (another port is another origin) serving one attacker page.</summary>
    private static async Task<(WebApplication App, string BaseUrl)> StartOtherSiteAsync(string html)
    {
        var builder = WebApplication.CreateBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/attack.html", () => Results.Content(html, "text/html"));
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/'));
    }

    [Fact]
    public async Task A_page_on_another_origin_cannot_upload_or_reimport_through_the_browser()
    {
        await using var server = await DashboardServer.StartAsync();
        var (other, otherUrl) = await StartOtherSiteAsync($$"""
            <!DOCTYPE html><html><body>
            <form id="reimport" method="post" action="{{server.BaseUrl}}/api/uploads/reimport" enctype="text/plain"><input name="x" value="y"></form>
            <script>
              window.attack = async () => {
                const form = new FormData();
                form.append('file', new Blob(['Iter 1: Train loss 2.000, Learning Rate 1.000e-05\nIter 2: Train loss 1.900, Learning Rate 1.000e-05\n']), 'train.log');
                form.append('name', 'planted');
                await fetch('{{server.BaseUrl}}/api/uploads', { method: 'POST', body: form, mode: 'no-cors' });
                return 'sent';
              };
            </script></body></html>
            """);
        await using var _ = other;
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(otherUrl + "/attack.html");

        Assert.Equal("sent", await page.EvaluateAsync<string>("() => window.attack()"));
        var navigation = page.WaitForNavigationAsync();
        await page.EvaluateAsync("() => document.getElementById('reimport').submit()");
        await navigation;

        Assert.Contains("Cross-origin write refused", await page.ContentAsync());
        Assert.Equal(0, (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
        Assert.Equal(0, (await server.Client.GetFromJsonElementAsync("/api/uploads")).GetArrayLength());
    }

    [Fact]
    public async Task In_token_mode_a_colleague_signs_in_in_the_browser_and_uploads()
    {
        await using var server = await DashboardServer.StartAsync("--Auth:Mode=Token", $"--Auth:Tokens:0={TokenModeTests.Token}");
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync(server.BaseUrl + "/upload");
        await page.WaitForURLAsync(u => u.Contains("/signin?") && u.Contains("%2Fupload"));
        await page.Locator("#signin-token").FillAsync("not-the-token-at-all");
        await page.Locator("#signin-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#signin-error")).ToBeVisibleAsync();

        await page.Locator("#signin-token").FillAsync(TokenModeTests.Token);
        await page.Locator("#signin-submit").ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/upload");
        await Support.Browser.WaitForInteractiveAsync(page);
        var cookie = Assert.Single((await context.CookiesAsync()).Where(c => c.Name == "rd-auth"));
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(TokenModeTests.Token, await page.ContentAsync());

        await Support.Browser.ChooseFilesAsync(page, page.GetByText("mlx_lm_lora_run3.log").First, Fixture.PathOf("mlx_lm_lora_run3.log"));
        await page.GetByLabel("Run name (optional)").FillAsync("signed-in run");
        await page.Locator("#upload-submit").ClickAsync();
        await page.Locator("a.run-link", new PageLocatorOptions { HasText = "signed-in run" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Equal(1, (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
        await Assertions.Expect(page.Locator("#signout")).ToBeVisibleAsync();

        // Someone without the cookie sees the run but no delete button.
        var id = (await server.Client.GetFromJsonElementAsync("/api/runs"))[0].GetProperty("id").GetString();
        var anonymous = await Support.Browser.OpenAsync(_browser, server.BaseUrl, $"/runs/{id}");
        await Assertions.Expect(anonymous.Locator("#run-name")).ToHaveTextAsync("signed-in run");
        await Assertions.Expect(anonymous.Locator("#delete-run")).ToHaveCountAsync(0);
        await Assertions.Expect(anonymous.Locator("#signin-link")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Deleting_a_run_in_the_browser_asks_first_then_removes_it()
    {
        await using var server = await DashboardServer.StartAsync();
        var id = await server.UploadFixtureAsync("mlx_lm_lora_run3.log", name: "doomed");
        var page = await Support.Browser.OpenAsync(_browser, server.BaseUrl, $"/runs/{id}");

        await page.Locator("#delete-run").ClickAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Cancel" }).ClickAsync();
        Assert.Equal(1, (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());

        await page.Locator("#delete-run").ClickAsync();
        await page.Locator(".mud-message-box__yes-button").ClickAsync();
        for (var i = 0; i < 100 && (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength() > 0; i++) await Task.Delay(100);
        Assert.Equal(0, (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
        await Support.Browser.ScreenshotAsync(page, "run-deleted");
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/", Support.Browser.SameDocument);
    }

    [Fact]
    public async Task A_run_name_full_of_html_is_text_in_the_charts_and_the_report()
    {
        await using var server = await DashboardServer.StartAsync();
        var hostile = (await server.UploadAsync("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"), name: HtmlName + "\n# Injected heading"))[0].GetProperty("id").GetString()!;
        var plain = await server.UploadFixtureAsync("nanogpt_train.log", name: "plain");
        var page = await Support.Browser.OpenAsync(_browser, server.BaseUrl, $"/compare?runs={hostile},{plain}&metric=train/loss");
        await page.WaitForFunctionAsync("() => document.getElementById('chart-compare')?.data?.length >= 2");

        // Plotly got the name encoded, and shows the characters: no element was made from it.
        var names = await page.EvaluateAsync<string[]>("() => document.getElementById('chart-compare').data.map(t => t.name || '')");
        Assert.Contains(names, n => n.Contains("&lt;a href=") && !n.Contains("<a"));
        var legend = await page.EvaluateAsync<string>("() => Array.from(document.querySelectorAll('#chart-compare .legendtext')).map(e => e.textContent).join('|')");
        Assert.Contains("<a href=\"https://evil.example/\" id=\"pwn\">click</a> & <b>bold</b>", legend);
        Assert.Equal(0, await page.Locator("#chart-compare a, #chart-compare b, #chart-compare img, #pwn").CountAsync());

        // Hover: the unified hover label lists trace names as text too.
        var box = (await page.Locator("#chart-compare .nsewdrag").First.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.WaitForSelectorAsync("#chart-compare .hoverlayer .legend, #chart-compare .hoverlayer .hovertext", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 10_000 });
        var hover = await page.EvaluateAsync<string>("() => document.querySelector('#chart-compare .hoverlayer').textContent");
        Assert.Contains("<b>bold</b>", hover);
        Assert.Equal(0, await page.Locator("#chart-compare .hoverlayer a, #chart-compare .hoverlayer b").CountAsync());
        await Support.Browser.ScreenshotAsync(page, "compare-html-name");

        // The run page: title and heading are Razor text, and nothing on it breaks the CSP.
        var runPage = await _browser.NewPageAsync();
        var violations = new List<string>();
        runPage.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) violations.Add(m.Text); };
        await runPage.GotoAsync($"{server.BaseUrl}/runs/{hostile}");
        await Support.Browser.WaitForInteractiveAsync(runPage);
        await runPage.Locator("[data-chart=chart-loss] svg.main-svg").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Empty(violations);
        Assert.Contains("<b>bold</b>", await runPage.Locator("#run-name").InnerTextAsync());
        Assert.Equal(0, await runPage.Locator("#pwn").CountAsync());

        var report = await server.Client.GetStringAsync($"/api/compare/report?runs={hostile},{plain}");
        Assert.DoesNotContain("<a href", report);
        Assert.DoesNotContain("<b>", report);
        Assert.Contains("&lt;a href=", report);
        Assert.DoesNotContain("\n# Injected", report);
        Assert.Contains(" \\# Injected heading", report);
    }
}

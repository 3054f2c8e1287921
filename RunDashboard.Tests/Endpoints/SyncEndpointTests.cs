using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>The dashboard itself (real Kestrel) syncing from the fake W&amp;B over loopback.</summary>
public class SyncEndpointTests : IAsyncLifetime
{
    private FakeWandbServer _wandb = null!;
    private DashboardServer _server = null!;

    public async Task InitializeAsync()
    {
        _wandb = await FakeWandbServer.StartAsync();
        _wandb.Project("lab/pretrain").Add(new FakeRun { Name = "abc123", DisplayName = "60M dolma", Tags = ["60M", "1mtx10"], State = "running" }.Steps(0, 99));
        _wandb.Project("lab/pretrain").Add(new FakeRun { Name = "def456", DisplayName = "10M dclm", Tags = ["10M"] }.Steps(0, 49));
        _server = await DashboardServer.StartAsync($"--WandB:BaseUrl={_wandb.BaseUrl}", $"--WandB:ApiKey={FakeWandbServer.ApiKey}",
            "--WandB:RetryBaseDelay=00:00:00.010");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _wandb.DisposeAsync();
    }

    [Fact]
    public async Task Post_sync_answers_when_done_and_the_runs_appear_beside_uploads()
    {
        var response = await _server.Client.PostAsJsonAsync("/api/sync", new { projects = new[] { "lab/pretrain" }, force = false });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var project = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projects")[0];
        Assert.Equal("lab/pretrain", project.GetProperty("project").GetString());
        Assert.Equal(2, project.GetProperty("runs").GetInt32());
        Assert.Equal(2, project.GetProperty("newRuns").GetInt32());
        Assert.Equal(303, project.GetProperty("newPoints").GetInt64()); // loss and lr per step (150 steps), eval loss at 0, 50 and 0
        Assert.Equal(3, project.GetProperty("requests").GetInt64());
        Assert.Equal(0, project.GetProperty("errors").GetArrayLength());

        var runs = await _server.Client.GetFromJsonAsync<JsonElement>("/api/runs");
        var synced = runs.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "60M dolma");
        Assert.Equal("wandb", synced.GetProperty("source").GetString());
        Assert.Equal("running", synced.GetProperty("state").GetString());
        Assert.Equal(["60M", "1mtx10"], synced.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("train/loss", synced.GetProperty("metrics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_api_key_is_never_in_an_answer()
    {
        await _server.Client.PostAsJsonAsync("/api/sync", new { projects = new[] { "lab/pretrain" } });

        var status = await _server.Client.GetStringAsync("/api/sync");
        Assert.Contains("\"apiKeyConfigured\":true", status);
        Assert.DoesNotContain(FakeWandbServer.ApiKey, status);
        Assert.DoesNotContain(FakeWandbServer.ApiKey, await _server.Client.GetStringAsync("/sync"));
        foreach (var run in (await _server.Client.GetFromJsonAsync<JsonElement>("/api/runs")).EnumerateArray())
        {
            Assert.DoesNotContain(FakeWandbServer.ApiKey, await _server.Client.GetStringAsync($"/api/runs/{run.GetProperty("id").GetString()}"));
        }
    }

    [Fact]
    public async Task A_bad_project_name_is_a_400()
    {
        var response = await _server.Client.PostAsJsonAsync("/api/sync", new { projects = new[] { "no-slash" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no-slash", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_sync_page_adds_a_project_syncs_it_and_shows_the_result()
    {
        var (playwright, browser) = await Support.Browser.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 800 } });
            await page.GotoAsync(_server.BaseUrl + "/sync");
            await Support.Browser.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("#key-status")).ToContainTextAsync("API key configured");

            await page.Locator("#new-project").FillAsync("lab/pretrain");
            await page.Locator("#add-project").ClickAsync();
            await Assertions.Expect(page.Locator("#projects-table tr[data-project='lab/pretrain']")).ToContainTextAsync("never");
            await page.Locator("#sync-now").ClickAsync();

            var row = page.Locator("#projects-table tr[data-project='lab/pretrain']");
            await Assertions.Expect(row).ToContainTextAsync("none", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
            var cells = await row.Locator("td").AllInnerTextsAsync();
            Assert.Equal("2", cells[2]);
            Assert.Equal("303", cells[4]);
            await Support.Browser.ScreenshotAsync(page, "sync-page-light");

            await page.GotoAsync(_server.BaseUrl + "/?source=wandb&group=tag:model%20size");
            await Support.Browser.WaitForInteractiveAsync(page);
            await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#cohort-table tbody tr")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("#cohort-table thead")).ToContainTextAsync("running");
            // 60M is still running: no completion rate yet; 10M finished: 100%.
            await Assertions.Expect(page.Locator("#cohort-table tr[data-group='60M'] td").Last).ToHaveTextAsync("—");
            await Assertions.Expect(page.Locator("#cohort-table tr[data-group='10M'] td").Last).ToHaveTextAsync("100.0%");
            await Support.Browser.ScreenshotAsync(page, "runs-list-cohorts");
            await Support.Browser.ClickUntilUrlAsync(page, page.Locator("#cohort-table tr[data-group='60M']"), "in=");
            await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#runs-grid tbody tr").First).ToContainTextAsync("60M dolma");
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Cookie = System.Net.Cookie;
using RunDashboard.Core.Cluster;
using RunDashboard.Core.WandB;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

/// <summary>
/// Two dashboards on loopback sharing one PostgreSQL database, as behind a load balancer: each with its own
/// process-local state (temp folder, caches, key ring cache), nothing shared but the database.
/// </summary>
[Trait("Category", "Postgres")]
public sealed partial class TwoInstancesTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private const string Token = "two-instances-token-0123456789";
    private FakeWandbServer _wandb = null!;
    private RunDashboard.Tests.Notifications.WebhookReceiver _chat = null!;
    private DashboardServer _a = null!;
    private DashboardServer _b = null!;

    public async Task InitializeAsync()
    {
        _wandb = await FakeWandbServer.StartAsync();
        _chat = await RunDashboard.Tests.Notifications.WebhookReceiver.StartAsync();
        _wandb.Project("lab/pretrain").Add(new FakeRun { Name = "abc123", DisplayName = "60M dolma" }.Steps(0, 99));
        _a = await StartAsync();
        _b = await StartAsync();
    }

    private async Task<DashboardServer> StartAsync()
    {
        var server = await DashboardServer.StartAsync(
            "--Storage:Provider=Postgres", $"--Storage:ConnectionString={database.ConnectionString}",
            "--Auth:Mode=Token", $"--Auth:Tokens:0={Token}",
            $"--WandB:BaseUrl={_wandb.BaseUrl}", $"--WandB:ApiKey={FakeWandbServer.ApiKey}", "--WandB:RetryBaseDelay=00:00:00.010",
            $"--Notifications:Webhooks:0:Url={_chat.Url("slack")}", "--Notifications:Webhooks:0:Kind=Slack");
        server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return server;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _wandb.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task A_finding_is_posted_to_chat_once_although_both_instances_hear_of_the_run()
    {
        await _a.UploadFixtureAsync("distill_progress.log", "warned run", "cluster");

        static bool Warning(JsonElement post) => post.GetProperty("text").GetString()!.Contains("warned run", StringComparison.Ordinal)
            && post.GetProperty("text").GetString()!.StartsWith("Warning", StringComparison.Ordinal);
        for (var i = 0; i < 200 && !_chat.Delivered("slack").Any(Warning); i++) await Task.Delay(50);
        // Both instances heard of the run (A made it, B through NOTIFY); give the slower one time to post as well.
        await Task.Delay(3_000);
        Assert.Single(_chat.Delivered("slack"), Warning);
    }

    [Fact]
    public async Task Uploads_links_previews_and_deletes_made_on_one_instance_hold_on_the_other()
    {
        var id = await _a.UploadFixtureAsync("mlx_lm_lora_run3.log", "shared run", "cluster");

        var run = await _b.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
        Assert.Equal("shared run", run.GetProperty("name").GetString());
        var series = await _b.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/series?key=train/loss");
        Assert.Equal(36, series.GetProperty("steps").GetArrayLength());
        Assert.Contains("shared run", await _b.Client.GetStringAsync("/"));

        var link = await (await _a.Client.PostAsJsonAsync("/api/links", new { url = $"/runs/{id}?smooth=0.3" })).Content.ReadFromJsonAsync<JsonElement>();
        using (var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_b.BaseUrl) })
        {
            var redirect = await noRedirect.GetAsync($"/s/{link.GetProperty("code").GetString()}");
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.EndsWith($"/runs/{id}?smooth=0.3", redirect.Headers.Location!.ToString());
        }
        var png = await _b.Client.GetAsync($"/preview/runs/{id}.png");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);

        // There is no database file to copy: the export says how to back PostgreSQL up instead of failing.
        var export = await _a.Client.GetAsync("/api/export");
        Assert.Equal(HttpStatusCode.NotImplemented, export.StatusCode);
        Assert.Contains("pg_dump", await export.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await _b.Client.DeleteAsync($"/api/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _a.Client.GetAsync($"/api/runs/{id}")).StatusCode);
        // A's runs list learns of B's delete from the database's notification, a moment after the delete commits.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await _a.Client.GetStringAsync("/")).Contains("shared run") && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.DoesNotContain("shared run", await _a.Client.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_sign_in_form_from_one_instance_posts_to_the_other_and_its_cookie_writes_on_the_first()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);

        // The form and its antiforgery cookie come from A ...
        var form = await browser.GetStringAsync(_a.BaseUrl + "/signin?returnUrl=%2Fupload");
        var fields = HiddenInput().Matches(form).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        Assert.Contains("__RequestVerificationToken", fields.Keys);
        fields["Token"] = Token;
        foreach (var c in cookies.GetCookies(new Uri(_a.BaseUrl)).Cast<Cookie>()) cookies.Add(new Uri(_b.BaseUrl), new Cookie(c.Name, c.Value));

        // ... and B, which never issued them, accepts the post: the key ring is the database's.
        using var post = new HttpRequestMessage(HttpMethod.Post, _b.BaseUrl + "/signin") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Origin", _b.BaseUrl);
        var signedIn = await browser.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var auth = cookies.GetCookies(new Uri(_b.BaseUrl)).Cast<Cookie>().SingleOrDefault(c => c.Name == "rd-auth");
        Assert.NotNull(auth);

        // B's sign-in cookie lets the browser write on A.
        cookies.Add(new Uri(_a.BaseUrl), new Cookie(auth!.Name, auth.Value));
        using var upload = new HttpRequestMessage(HttpMethod.Post, _a.BaseUrl + "/api/uploads");
        var content = new MultipartFormDataContent();
        content.Add(new ByteArrayContent(Fixture.Bytes("nanogpt_train.log")), "file", "signed-in.log");
        upload.Content = content;
        upload.Headers.Add("Origin", _a.BaseUrl);
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(upload)).StatusCode);
    }

    [Fact]
    public async Task One_instance_syncs_W_and_B_at_a_time()
    {
        // B holds the shared lock, as while its timer syncs: a sync asked of A waits for it.
        var held = await _b.Service<IInstanceLock>().AcquireAsync(WandbSyncRunner.LockName);
        var sync = _a.Client.PostAsJsonAsync("/api/sync", new { projects = new[] { "lab/pretrain" } });
        await Task.Delay(1_500);
        Assert.False(sync.IsCompleted, "instance A synced while instance B held the sync lock");
        Assert.Empty(_wandb.Requests);

        await held.DisposeAsync();
        var response = await sync.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var runs = await _b.Client.GetFromJsonAsync<JsonElement>("/api/runs/query?source=wandb");
        Assert.Equal(1, runs.GetProperty("total").GetInt32());
    }

    [Fact]
    [Trait("Category", "Browser")]
    public async Task A_run_page_open_on_one_instance_redraws_when_the_other_imports_into_it()
    {
        var lines = Encoding.UTF8.GetString(Fixture.Bytes("mlx_lm_lora_run3.log")).Split('\n');
        async Task<string> UploadLines(DashboardServer server, int n) =>
            (await server.UploadAsync("live.log", Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(n)) + "\n"), "live-run", "cluster"))[0]
                .GetProperty("id").GetString()!;
        var id = await UploadLines(_a, 25);

        var (playwright, chromium) = await Support.Browser.LaunchAsync();
        try
        {
            var page = await Support.Browser.OpenAsync(chromium, _b.BaseUrl, $"/runs/{id}");
            await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter").First).ToBeVisibleAsync();
            var before = await page.EvaluateAsync<int>("() => document.getElementById('chart-loss').data[0].x.length");
            await page.EvaluateAsync("() => window.rdNoReload = true");

            Assert.Equal(id, await UploadLines(_a, lines.Length));

            // B hears of A's commit through PostgreSQL's NOTIFY and redraws the open page.
            await page.WaitForFunctionAsync("() => document.getElementById('chart-loss').data[0].x.length === 36", null,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.True(before < 36);
            Assert.True(await page.EvaluateAsync<bool>("() => window.rdNoReload === true"));
            await Support.Browser.ScreenshotAsync(page, "two-instances-live-redraw");
        }
        finally
        {
            await chromium.DisposeAsync();
            playwright.Dispose();
        }
    }

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)"|<input[^>]*name="(?<name>[^"]+)"[^>]*type="hidden"[^>]*value="(?<value>[^"]*)""")]
    private static partial Regex HiddenInput();
}

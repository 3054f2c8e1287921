using Microsoft.Playwright;

namespace RunDashboard.Tests.Support;

/// <summary>
/// One dashboard and one Chromium shared by the tests of a class (for tests that only read pages), with runs that
/// exercise the layout: a run with eleven health findings, a W&amp;B-length name, and two runs to compare.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>As long as the names W&amp;B gives sweep runs, which stretched the runs list past a laptop screen.</summary>
    public const string LongName = "250904-215942_test_match_60M_finetune_lr3e-4_bs32_warmup500_seed1234_cosine_long_context_v2";

    public DashboardServer Server { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string Distill { get; private set; } = "";
    public string Lora { get; private set; } = "";
    public string Dpo { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await DashboardServer.StartAsync();
        (Playwright, Browser) = await Support.Browser.LaunchAsync();
        Distill = await Server.UploadFixtureAsync("distill_progress.log");
        Lora = await Server.UploadFixtureAsync("mlx_lm_lora_run3.log", LongName, "a-project-with-a-rather-long-name");
        Dpo = await Server.UploadFixtureAsync("trl_dpo_stdout.log");
        Server.Service<RunDashboard.Core.WandB.WandbProjectStore>().Add("a-lab-entity/a-project-with-a-long-name");
    }

    /// <summary>Every page of the dashboard, with data, by a short name.</summary>
    public string PathOf(string page) => page switch
    {
        "runs" => "/",
        "run" => $"/runs/{Distill}",
        "compare" => $"/compare?runs={Lora},{Distill}",
        "upload" => "/upload",
        "sync" => "/sync",
        _ => throw new ArgumentOutOfRangeException(nameof(page)),
    };

    /// <summary>A page at a given window size and theme, live and ready.</summary>
    public async Task<IPage> OpenAsync(string path, int width, int height, bool dark)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        if (dark) await context.AddCookiesAsync([new Cookie { Name = "rd-theme", Value = "dark", Url = Server.BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Server.BaseUrl + path);
        await Support.Browser.WaitForInteractiveAsync(page);
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await Server.DisposeAsync();
    }
}

using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class UploadPageTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1440, 900, false)]
    [InlineData(390, 844, true)]
    public async Task Chosen_files_are_listed_once_each(int width, int height, bool dark)
    {
        var page = await fx.OpenAsync("/upload", width, height, dark);
        await Support.Browser.ChooseFilesAsync(page, page.Locator("#chosen-files"), Fixture.PathOf("mlx_lm_lora_run3.log"), Fixture.PathOf("trl_dpo_stdout.log"));

        await Assertions.Expect(page.Locator("#chosen-files .mud-chip")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator(".mud-chip", new PageLocatorOptions { HasText = "mlx_lm_lora_run3.log" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".mud-chip", new PageLocatorOptions { HasText = "trl_dpo_stdout.log" })).ToHaveCountAsync(1);
        await Support.Browser.ScreenshotAsync(page, $"upload-chosen-{width}-{(dark ? "dark" : "light")}");
    }
}

using Bunit;
using RunDashboard.Components.Uploads;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace RunDashboard.Tests.Components;

public sealed class StoredUploadsTests
{
    [Fact]
    public async Task Lists_stored_uploads_newest_first_with_their_runs_and_hides_delete_from_readers()
    {
        using var dir = new TempDirectory();
        var (ctx, _) = PageContext.Create(dir, "uploads.db");
        await using var _ = ctx;
        var imports = ctx.Services.GetRequiredService<ImportService>();
        await imports.ImportAsync([new UploadFile("first.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions());
        await imports.ImportAsync([new UploadFile("<i>second<i>.log", () => Fixture.Open("nanogpt_train.log"))], new UploadOptions());

        var cut = ctx.Render<StoredUploads>();

        var rows = cut.FindAll("#stored-uploads tbody tr");
        Assert.Equal(2, rows.Count);
        // A file name is text, not markup.
        Assert.Contains("&lt;i&gt;second&lt;i&gt;.log", rows[0].InnerHtml);
        Assert.Contains("first.log", rows[1].TextContent);
        // The test user cannot write: no delete button is offered.
        Assert.Empty(cut.FindAll("#stored-uploads button"));
    }
}

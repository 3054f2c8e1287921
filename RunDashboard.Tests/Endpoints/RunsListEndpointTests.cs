using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary><c>GET /api/runs</c> a page at a time, the runs list query and the prerendered runs page, over 250 runs.</summary>
public partial class RunsListEndpointTests : IAsyncLifetime
{
    private const int Runs = 250;
    private DashboardServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(RunsTable.Csv(Runs));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "wandb_export.csv");
        (await _server.Client.PostAsync("/api/uploads", form)).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [GeneratedRegex("<([^>]+)>; rel=\"next\"")]
    private static partial Regex NextLink();

    [Fact]
    public async Task Lists_runs_a_page_at_a_time_with_a_link_to_the_next_page()
    {
        var response = await _server.Client.GetAsync("/api/runs");
        var first = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(100, first.GetArrayLength());
        Assert.Equal("250", response.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal("sweep-0249", first[0].GetProperty("name").GetString()); // newest first
        Assert.Equal("/api/runs?page=1&pageSize=100", NextLink().Match(response.Headers.GetValues("Link").Single()).Groups[1].Value);
    }

    [Fact]
    public async Task Following_the_next_links_visits_every_run_once()
    {
        var ids = new List<string>();
        var url = "/api/runs?pageSize=60";
        var pages = 0;
        while (url is not null)
        {
            var response = await _server.Client.GetAsync(url);
            ids.AddRange(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            url = response.Headers.TryGetValues("Link", out var links) && NextLink().Match(links.Single()) is { Success: true } m ? m.Groups[1].Value : null;
            pages++;
        }

        Assert.Equal(5, pages);
        Assert.Equal(Runs, ids.Distinct().Count());
        Assert.Equal(Runs, ids.Count);
    }

    [Fact]
    public async Task All_runs_in_one_answer_are_streamed_on_request()
    {
        var response = await _server.Client.GetAsync("/api/runs?all=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.Headers.TransferEncodingChunked); // written as it is enumerated, not measured first
        var all = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(Runs, all.GetArrayLength());
        var firstPage = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/runs")).RootElement;
        Assert.Equal(firstPage.EnumerateArray().Select(r => r.GetRawText()), all.EnumerateArray().Take(100).Select(r => r.GetRawText()));
        Assert.Equal("crashed", all.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "sweep-0000").GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("/api/runs?pageSize=0", "pageSize must be 1 to 1,000")]
    [InlineData("/api/runs?pageSize=5000", "pageSize must be 1 to 1,000")]
    [InlineData("/api/runs?page=-1", "page counts from 0")]
    [InlineData("/api/runs?all=true&page=2", "not both")]
    public async Task A_bad_page_is_a_400_that_says_why(string url, string reason)
    {
        var response = await _server.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_runs_page_html_holds_its_first_page_of_runs_before_any_script_runs()
    {
        var html = await _server.Client.GetStringAsync("/");

        Assert.Contains(">sweep-0249</a>", html); // newest first
        Assert.Contains(">sweep-0200</a>", html); // the 50th
        Assert.DoesNotContain(">sweep-0199</a>", html); // the 51st is on page 2
    }

    [Fact]
    public async Task The_runs_page_html_follows_the_filter_in_its_address()
    {
        var html = await _server.Client.GetStringAsync("/?q=sweep-010");

        Assert.Contains(">sweep-0109</a>", html);
        Assert.DoesNotContain(">sweep-0249</a>", html);
    }

    [Fact]
    public async Task A_deleted_run_leaves_the_list_and_its_sorted_pages()
    {
        var before = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/runs/query?sort=name&desc=false&pageSize=1")).RootElement;
        var id = before.GetProperty("items")[0].GetProperty("id").GetString();
        Assert.Equal("sweep-0000", before.GetProperty("items")[0].GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.DeleteAsync($"/api/runs/{id}")).StatusCode);

        var after = JsonDocument.Parse(await _server.Client.GetStringAsync("/api/runs/query?sort=name&desc=false&pageSize=1")).RootElement;
        Assert.Equal(Runs - 1, after.GetProperty("total").GetInt32());
        Assert.Equal("sweep-0001", after.GetProperty("items")[0].GetProperty("name").GetString());
        Assert.Equal((Runs - 1).ToString(), (await _server.Client.GetAsync("/api/runs")).Headers.GetValues("X-Total-Count").Single());
    }
}

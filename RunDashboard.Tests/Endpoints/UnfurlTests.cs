using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>What chat apps do with a pasted link: HEAD, then GET, read the og/twitter tags, fetch the og:image.</summary>
public class UnfurlTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private string _run = "";

    public static TheoryData<string> Unfurlers() =>
    [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
        "Mattermost-Bot/1.1",
        "TelegramBot (like TwitterBot)",
    ];

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        _run = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(Unfurlers))]
    public async Task A_run_link_answers_head_and_get_with_tags_and_a_png(string userAgent)
    {
        foreach (var path in new[] { $"/runs/{_run}", $"/compare?runs={_run}", $"/s/{await ShortCodeAsync($"/runs/{_run}?from=400&to=1000")}" })
        {
            using var head = await SendAsync(HttpMethod.Head, path, userAgent);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());

            using var get = await SendAsync(HttpMethod.Get, path, userAgent);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            var html = await get.Content.ReadAsStringAsync();
            foreach (var tag in new[] { "og:title", "og:description", "og:image", "og:url" })
            {
                Assert.Matches($"<meta property=\"{tag}\" content=\"[^\"]+\"", html);
            }
            Assert.Matches("<meta name=\"twitter:card\" content=\"summary_large_image\"", html);

            var image = new Uri(WebUtility.HtmlDecode(Regex.Match(html, "<meta property=\"og:image\" content=\"([^\"]+)\"").Groups[1].Value));
            using var imageHead = await SendAsync(HttpMethod.Head, image.PathAndQuery, userAgent);
            Assert.Equal(HttpStatusCode.OK, imageHead.StatusCode);
            Assert.Equal("image/png", imageHead.Content.Headers.ContentType?.MediaType);
            using var png = await SendAsync(HttpMethod.Get, image.PathAndQuery, userAgent);
            var bytes = await png.Content.ReadAsByteArrayAsync();
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string userAgent)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return await _server.Client.SendAsync(request);
    }

    private async Task<string> ShortCodeAsync(string url)
    {
        var response = await _server.Client.PostAsJsonAsync("/api/links", new { url });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString()!;
    }
}

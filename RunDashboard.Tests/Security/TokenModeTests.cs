using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary><c>Auth:Mode=Token</c> over HTTP: writes need the token, reads stay open so shared links unfurl.</summary>
public class TokenModeTests : IAsyncLifetime
{
    public const string Token = "lab-token-0123456789abcdef";
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync("--Auth:Mode=Token", $"--Auth:Tokens:0={Token}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MultipartFormDataContent Log()
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Fixture.Bytes("mlx_lm_lora_run3.log"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "run3.log");
        return form;
    }

    private HttpRequestMessage Upload(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = Log() };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task An_upload_without_a_token_is_a_401_that_says_how_to_send_one()
    {
        var response = await _server.Client.SendAsync(Upload(null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("Authorization: Bearer", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task An_upload_with_a_wrong_token_is_a_401()
    {
        var response = await _server.Client.SendAsync(Upload("lab-token-0123456789abcdeX"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(Token, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_upload_with_the_token_is_a_201_and_reading_needs_none()
    {
        var response = await _server.Client.SendAsync(Upload(Token));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("runs")[0].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/api/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/preview/runs/{id}.png")).StatusCode);
    }

    [Fact]
    public async Task Delete_reimport_sync_and_export_need_the_token()
    {
        var upload = await _server.Client.SendAsync(Upload(Token));
        var id = (await upload.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("runs")[0].GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.DeleteAsync($"/api/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.PostAsync("/api/uploads/reimport", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.PostAsJsonAsync("/api/sync", new { projects = new[] { "lab/x" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Client.GetAsync("/api/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/api/runs/{id}")).StatusCode);

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/runs/{id}");
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Client.SendAsync(delete)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"/api/runs/{id}")).StatusCode);
    }

    [Fact]
    public async Task The_upload_and_sync_pages_send_a_browser_without_a_cookie_to_sign_in()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_server.BaseUrl) };

        foreach (var page in new[] { "/upload", "/sync" })
        {
            var response = await client.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/signin", response.Headers.Location!.PathAndQuery);
            Assert.Contains(Uri.EscapeDataString(page), response.Headers.Location!.Query);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/signin")).StatusCode);
    }

    [Fact]
    public async Task Reads_need_the_token_too_when_configured()
    {
        await using var closed = await DashboardServer.StartAsync("--Auth:Mode=Token", $"--Auth:Tokens:0={Token}", "--Auth:ReadRequiresToken=true");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(closed.BaseUrl) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/runs")).StatusCode);
        var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/signin", page.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/signin")).StatusCode);

        var withToken = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withToken)).StatusCode);
    }

    [Fact]
    public async Task A_token_given_as_its_sha256_works_like_the_token()
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Token)));
        await using var hashed = await DashboardServer.StartAsync("--Auth:Mode=Token", $"--Auth:TokenSha256:0={hash}");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = Log() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        Assert.Equal(HttpStatusCode.Created, (await hashed.Client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("--Auth:Mode=Token", "no token is configured")]
    [InlineData("--Auth:Tokens:0=short", "at least 16 characters")]
    [InlineData("--Limits:MaxFilesPerUpload=0", "MaxFilesPerUpload")]
    [InlineData("--Dashboard:PublicBaseUrl=not a url", "Dashboard:PublicBaseUrl")]
    public async Task A_bad_setting_stops_the_start_with_a_message_naming_it(string setting, string message)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () => await (await DashboardServer.StartAsync(setting)).DisposeAsync());

        Assert.Contains("configuration is invalid", ex.Message);
        Assert.Contains(message, ex.Message);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RunDashboard.Tests.Security;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>
/// <c>PUT /api/uploads/{fileName}</c> (<c>curl -T train.log http://host/api/uploads/</c>): the file is the body, the
/// form's fields are query parameters, and the same checks as the form's POST apply.
/// </summary>
public class PutUploadTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    /// <summary>Every upload is parsed while it arrives, as a large one is.</summary>
    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync("--Uploads:ParseWhileReceivingBytes=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HttpRequestMessage Put(string url, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new HttpRequestMessage(HttpMethod.Put, url) { Content = content };
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task A_log_put_as_the_body_is_a_run_and_the_same_bytes_posted_are_a_duplicate_of_it()
    {
        var bytes = Fixture.Bytes("mlx_lm_lora_run3.log");

        var put = await _server.Client.SendAsync(Put("/api/uploads/run3.log?project=smol&name=SmolLM3%20run%203&tags=lora,3b", bytes));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var body = await Json(put);
        Assert.Equal("mlx-lm", body.GetProperty("format").GetString());
        var run = Assert.Single(body.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal("SmolLM3 run 3", run.GetProperty("name").GetString());
        var id = run.GetProperty("id").GetString()!;
        var stored = await _server.Client.GetFromJsonElementAsync($"/api/runs/{id}");
        Assert.Equal("smol", stored.GetProperty("project").GetString());
        Assert.Equal(["3b", "lora"], stored.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order().ToArray());
        var upload = Assert.Single((await _server.Client.GetFromJsonElementAsync("/api/uploads")).EnumerateArray().ToList());
        Assert.Equal("run3.log", upload.GetProperty("fileName").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), upload.GetProperty("sha256").GetString());

        // The form's POST of the same bytes finds them: both paths hash and keep the file alike.
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "run3.log");
        form.Add(new StringContent("smol"), "project");
        form.Add(new StringContent("SmolLM3 run 3"), "name");
        var post = await _server.Client.PostAsync("/api/uploads", form);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(id, (await Json(post)).GetProperty("runs")[0].GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("/api/uploads/run3.log?projet=smol", "'projet' is not an upload parameter")]
    [InlineData("/api/uploads/run3.log?name=a&name=b", "'name' is given 2 times")]
    [InlineData("/api/uploads/run3.log?rename=loss", "rename")]
    public async Task Parameters_it_cannot_use_are_refused_before_anything_is_stored(string url, string detail)
    {
        var response = await _server.Client.SendAsync(Put(url, Fixture.Bytes("mlx_lm_lora_run3.log")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, (await Json(response)).GetProperty("detail").GetString());
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/uploads")).GetArrayLength());
    }

    [Fact]
    public async Task A_form_sent_with_put_is_refused_with_the_way_to_send_it()
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(Fixture.Bytes("mlx_lm_lora_run3.log")), "file", "run3.log" } };

        var response = await _server.Client.PutAsync("/api/uploads/run3.log", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("curl -T", (await Json(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_put_a_page_of_another_site_sends_is_refused()
    {
        var request = Put("/api/uploads/run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"));
        request.Headers.Add("Origin", "http://evil.example");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task A_put_needs_the_token_when_writes_do_and_the_request_limit_holds()
    {
        await using var server = await DashboardServer.StartAsync("--Auth:Mode=Token", "--Auth:Tokens:0=lab-token-0123456789abcdef", "--Limits:MaxRequestBytes=4096");
        var log = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 200).Select(i => $"Iter {i}: Train loss {2.0 / i:F3}, Learning Rate 1.000e-05, It/sec 1.0, Tokens/sec 100.0, Trained Tokens {i * 100}, Peak mem 1.0 GB\n")));

        var anonymous = await server.Client.SendAsync(Put("/api/uploads/big.log", log[..1000]));
        var big = Put("/api/uploads/big.log", log);
        big.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "lab-token-0123456789abcdef");
        var tooLarge = await server.Client.SendAsync(big);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("Limits:MaxRequestBytes", await tooLarge.Content.ReadAsStringAsync());
        Assert.Equal(0, (await server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }
}

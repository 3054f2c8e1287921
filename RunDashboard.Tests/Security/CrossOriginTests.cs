using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>Writes a browser sends for another site are refused in every auth mode; scripts (no Origin) still work.</summary>
public class CrossOriginTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MultipartFormDataContent Log()
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Fixture.Bytes("mlx_lm_lora_run3.log"));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "run3.log");
        return form;
    }

    [Fact]
    public async Task An_upload_with_another_sites_origin_is_a_403()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = Log() };
        request.Headers.Add("Origin", "http://evil.example");

        var response = await _server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Origin", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task A_write_the_browser_marks_cross_site_is_a_403()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads/reimport");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task An_upload_from_the_dashboards_own_origin_or_a_script_is_accepted()
    {
        var own = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = Log() };
        own.Headers.Add("Origin", _server.BaseUrl);
        own.Headers.Add("Sec-Fetch-Site", "same-origin");

        Assert.Equal(HttpStatusCode.Created, (await _server.Client.SendAsync(own)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.PostAsync("/api/uploads", Log())).StatusCode); // same bytes: 200
    }

    [Fact]
    public async Task Sync_refuses_a_body_that_is_not_json()
    {
        var response = await _server.Client.PostAsync("/api/sync", new StringContent("{\"projects\":[\"lab/x\"]}", null, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_answer_carries_the_security_headers()
    {
        var id = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");
        foreach (var path in new[] { "/", $"/runs/{id}", "/api/runs", $"/preview/runs/{id}.png", "/favicon.svg", "/runs/nope", "/api/runs/nope" })
        {
            var response = await _server.Client.GetAsync(path);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.DoesNotContain("frame-ancestors 'self'", csp);
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }
    }

    [Fact]
    public async Task Frame_ancestors_come_from_configuration()
    {
        await using var framed = await DashboardServer.StartAsync("--Dashboard:FrameAncestors='self' https://wiki.lab.example");

        var response = await framed.Client.GetAsync("/");

        Assert.Contains("frame-ancestors 'self' https://wiki.lab.example", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task Another_origin_cannot_open_a_blazor_circuit()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", "http://evil.example");

        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Client.SendAsync(request)).StatusCode);
        var own = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", _server.BaseUrl);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(own)).StatusCode);
    }
}

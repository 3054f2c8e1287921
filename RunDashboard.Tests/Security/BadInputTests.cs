using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>
/// Hostile and broken input, generated here, sent to the real dashboard: every answer is a 4xx naming what is wrong
/// (or a 201 when the input was fine after all), never a 500, and the dashboard still answers afterwards.
/// </summary>
public class BadInputTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync(
        "--Limits:MaxRequestBytes=67108864", "--Limits:MaxFilesPerUpload=5", "--Limits:MaxZipEntries=100");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "file", name);
        }
        return form;
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, HttpContent content)
    {
        var response = await _server.Client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Detail(string body) => JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString() ?? "";

    private async Task AssertStillServingAsync()
    {
        var runs = await _server.Client.GetAsync("/api/runs");
        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
    }

    [Fact]
    public async Task An_empty_file_is_a_400_naming_it()
    {
        var (status, body) = await PostAsync("/api/uploads", Form(("empty.log", [])));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("empty.log", body);
    }

    [Fact]
    public async Task Random_binary_is_a_400_and_its_bytes_are_not_kept()
    {
        var bytes = new byte[3 * 1024 * 1024];
        new Random(15).NextBytes(bytes);
        var before = (await _server.Client.GetFromJsonElementAsync("/api/stats")).GetProperty("uploadBytesStored").GetInt64();

        var (status, body) = await PostAsync("/api/uploads", Form(("noise.bin", bytes)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("noise.bin", body);
        var stats = await _server.Client.GetFromJsonElementAsync("/api/stats");
        Assert.Equal(before, stats.GetProperty("uploadBytesStored").GetInt64());
        Assert.Equal(1, stats.GetProperty("rejectedUploads").GetInt32());
        var upload = (await _server.Client.GetFromJsonElementAsync("/api/uploads"))[0];
        Assert.Equal(bytes.Length, upload.GetProperty("size").GetInt64());
        Assert.False(upload.GetProperty("bytesKept").GetBoolean());
    }

    [Fact]
    public async Task A_utf16_log_is_read_or_refused_in_words_never_a_500()
    {
        var text = string.Concat(Enumerable.Range(1, 50).Select(i => $"Iter {i}: Train loss {3.0 - i * 0.01:0.000}, Learning Rate 1.000e-05, It/sec 1.0, Tokens/sec 100.0, Trained Tokens {i * 100}, Peak mem 1.0 GB\n"));
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();

        var (status, body) = await PostAsync("/api/uploads", Form(("utf16.log", bytes)));

        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)status}: {body}");
        Assert.Contains("utf16.log", body);
        await AssertStillServingAsync();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_50_MB_line_is_answered_in_words_never_a_500()
    {
        var tail = "\nIter 1: Train loss 2.0, Learning Rate 1e-5\n"u8;
        var bytes = new byte[50 * 1024 * 1024 + tail.Length];
        Array.Fill(bytes, (byte)'a');
        tail.CopyTo(bytes.AsSpan(bytes.Length - tail.Length));

        var (status, body) = await PostAsync("/api/uploads", Form(("one-line.log", bytes)));

        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.BadRequest, $"{(int)status}: {body[..Math.Min(300, body.Length)]}");
        Assert.Contains("one-line.log", body);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Deeply_nested_json_is_answered_in_words_never_a_500()
    {
        var json = "{\"log_history\":" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var (status, body) = await PostAsync("/api/uploads", Form(("trainer_state.json", Encoding.UTF8.GetBytes(json))));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("trainer_state.json", body);
        await AssertStillServingAsync();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_csv_with_100000_columns_is_a_400_naming_the_column_limit()
    {
        var csv = new StringBuilder("_step");
        for (var c = 0; c < 100_000; c++) csv.Append(",m").Append(c);
        csv.Append('\n');
        for (var row = 0; row < 3; row++)
        {
            csv.Append(row);
            for (var c = 0; c < 100_000; c++) csv.Append(',').Append(row);
            csv.Append('\n');
        }

        var (status, body) = await PostAsync("/api/uploads", Form(("wide.csv", Encoding.UTF8.GetBytes(csv.ToString()))));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("100,001 columns, over Limits:MaxCsvColumns", Detail(body));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_zip_bomb_is_a_413_naming_the_compression_ratio_limit()
    {
        // 64 MB of zeros deflate to about 64 KB: a ratio near 1,000, five times the default limit of 200.
        var bomb = ZipBuilder.Build(("run/train.log", new byte[64 * 1024 * 1024]));

        var (status, body) = await PostAsync("/api/uploads", Form(("bomb.zip", bomb)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Limits:MaxCompressionRatio", Detail(body));
    }

    [Theory]
    [InlineData("../../etc/train.log")]
    [InlineData("..\\..\\windows\\train.log")]
    [InlineData("/abs/train.log")]
    public async Task A_zip_member_climbing_out_of_the_archive_is_a_400(string member)
    {
        var zip = ZipBuilder.Build((member, Fixture.Bytes("mlx_lm_lora_run3.log")));

        var (status, body) = await PostAsync("/api/uploads", Form(("slip.zip", zip)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("unsafe path", Detail(body));
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task A_zip_with_more_members_than_allowed_is_a_413_naming_the_limit()
    {
        var entries = Enumerable.Range(0, 101).Select(i => ($"run/notes{i}.txt", "x"u8.ToArray())).ToArray();

        var (status, body) = await PostAsync("/api/uploads", Form(("many.zip", ZipBuilder.Build(entries))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Limits:MaxZipEntries (100)", Detail(body));
    }

    [Fact]
    public async Task More_files_than_allowed_is_a_400_naming_the_limit()
    {
        var files = Enumerable.Range(0, 6).Select(i => ($"f{i}.log", Encoding.UTF8.GetBytes($"step {i} loss=1.0\n"))).ToArray();

        var (status, body) = await PostAsync("/api/uploads", Form(files));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Limits:MaxFilesPerUpload (5)", Detail(body));
    }

    [Fact]
    public async Task Over_a_thousand_form_files_is_a_400_not_a_500()
    {
        var files = Enumerable.Range(0, 1100).Select(i => ($"f{i}.log", "x"u8.ToArray())).ToArray();

        var (status, body) = await PostAsync("/api/uploads", Form(files));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Limits:MaxFilesPerUpload", Detail(body));
    }

    [Fact]
    public async Task A_megabyte_run_name_is_a_400_naming_the_limit()
    {
        var form = Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")));
        form.Add(new StringContent(new string('n', 1024 * 1024)), "name");

        var (status, body) = await PostAsync("/api/uploads", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Limits:MaxNameLength", Detail(body));
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
    }

    [Fact]
    public async Task A_hundred_thousand_tags_is_a_400_naming_the_limit()
    {
        var form = Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")));
        form.Add(new StringContent(string.Join(',', Enumerable.Range(0, 100_000).Select(i => $"t{i}"))), "tags");

        var (status, body) = await PostAsync("/api/uploads", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Limits:MaxTags", Detail(body));
    }

    [Fact]
    public async Task Sixty_one_short_tags_are_a_400_naming_the_tag_count_limit()
    {
        var form = Form(("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")));
        form.Add(new StringContent(string.Join(',', Enumerable.Range(0, 61).Select(i => $"t{i}"))), "tags");

        var (status, body) = await PostAsync("/api/uploads", form);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("61 tags, over Limits:MaxTags (50)", Detail(body));
    }

    [Fact]
    public async Task A_truncated_multipart_body_is_a_400()
    {
        var content = new ByteArrayContent("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.log\"\r\n\r\nstep 1 loss=2.0\n"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XYZ");

        var (status, body) = await PostAsync("/api/uploads", content);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Truncated", body);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Multipart_without_a_boundary_is_a_400()
    {
        var content = new ByteArrayContent("whatever"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");

        var (status, body) = await PostAsync("/api/uploads", content);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("boundary", Detail(body));
    }

    [Fact]
    public async Task A_body_over_the_request_limit_is_a_413_naming_it()
    {
        await using var small = await DashboardServer.StartAsync("--Limits:MaxRequestBytes=1048576");
        var bytes = new byte[2 * 1024 * 1024];
        Array.Fill(bytes, (byte)'x');

        var response = await small.Client.PostAsync("/api/uploads", Form(("big.log", bytes)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("Limits:MaxRequestBytes", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Reimport_with_a_text_body_is_a_415()
    {
        var (status, body) = await PostAsync("/api/uploads/reimport", new StringContent("uploads=all"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/json", Detail(body));
    }

    [Fact]
    public async Task Asking_for_more_points_than_allowed_is_a_400_naming_the_limit()
    {
        var id = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");

        var response = await _server.Client.GetAsync($"/api/runs/{id}/series?key=train/loss&points=2147483647");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Limits:MaxPointsPerResponse", await response.Content.ReadAsStringAsync());
        var compare = await _server.Client.GetAsync($"/api/series?runs={id}&key=train/loss&points=2147483647");
        Assert.Equal(HttpStatusCode.BadRequest, compare.StatusCode);
    }

    [Fact]
    public async Task An_unknown_run_page_is_a_404_page()
    {
        var response = await _server.Client.GetAsync("/runs/doesnotexist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync());
    }
}

internal static class JsonHttp
{
    public static async Task<JsonElement> GetFromJsonElementAsync(this HttpClient client, string path) =>
        JsonDocument.Parse(await client.GetStringAsync(path)).RootElement.Clone();
}

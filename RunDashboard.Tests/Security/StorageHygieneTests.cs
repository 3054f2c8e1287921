using System.Net;
using System.Text.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>Deleting, counting, exporting and restoring through the API of a real dashboard.</summary>
public class StorageHygieneTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Deleting_a_run_removes_it_and_its_points()
    {
        var id = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");
        var before = await _server.Client.GetFromJsonElementAsync("/api/stats");
        Assert.True(before.GetProperty("seriesChunks").GetInt32() > 0);

        var response = await _server.Client.DeleteAsync($"/api/runs/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"/api/runs/{id}")).StatusCode);
        var after = await _server.Client.GetFromJsonElementAsync("/api/stats");
        Assert.Equal(0, after.GetProperty("runs").GetInt32());
        Assert.Equal(0, after.GetProperty("points").GetInt64());
        Assert.Equal(0, after.GetProperty("seriesChunks").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync($"/api/runs/{id}")).StatusCode);
    }

    [Fact]
    public async Task Deleting_an_upload_removes_its_bytes_and_the_runs_made_from_it()
    {
        var kept = await _server.UploadFixtureAsync("nanogpt_train.log");
        var gone = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");
        var upload = (await _server.Client.GetFromJsonElementAsync("/api/uploads")).EnumerateArray()
            .Single(u => u.GetProperty("runs").EnumerateArray().Any(r => r.GetString() == gone));

        var response = await _server.Client.DeleteAsync($"/api/uploads/{upload.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([gone], JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("deletedRuns").EnumerateArray().Select(r => r.GetString()));
        var runs = await _server.Client.GetFromJsonElementAsync("/api/runs");
        Assert.Equal([kept], runs.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(1, (await _server.Client.GetFromJsonElementAsync("/api/uploads")).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.DeleteAsync("/api/uploads/nope")).StatusCode);
    }

    [Fact]
    public async Task Stats_count_runs_points_and_bytes_by_kind()
    {
        await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");
        // The bytes are compressed into the database just after the import; until then they count as pending.
        var pending = await _server.Client.GetFromJsonElementAsync("/api/stats");
        Assert.InRange(pending.GetProperty("uploadsPending").GetInt32(), 0, 1);
        _server.Service<RunDashboard.Core.Storage.RunStore>().Uploads.WaitForArchive();

        var stats = await _server.Client.GetFromJsonElementAsync("/api/stats");
        Assert.Equal(0, stats.GetProperty("uploadsPending").GetInt32());

        Assert.Equal(1, stats.GetProperty("runs").GetInt32());
        Assert.True(stats.GetProperty("points").GetInt64() >= 36);
        Assert.True(stats.GetProperty("seriesBytes").GetInt64() > 0);
        Assert.Equal(Fixture.Bytes("mlx_lm_lora_run3.log").Length, stats.GetProperty("uploadBytesReceived").GetInt64());
        Assert.InRange(stats.GetProperty("uploadBytesStored").GetInt64(), 1, stats.GetProperty("uploadBytesReceived").GetInt64());
        Assert.True(stats.GetProperty("databaseFileBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task An_export_restored_into_a_fresh_data_folder_has_the_same_runs_and_points()
    {
        var ids = new[]
        {
            await _server.UploadFixtureAsync("mlx_lm_lora_run3.log", name: "run three"),
            await _server.UploadFixtureAsync("nanogpt_train.log"),
        };
        var series = await _server.Client.GetStringAsync($"/api/runs/{ids[0]}/series?key=train/loss");

        var export = await _server.Client.GetAsync("/api/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/octet-stream", export.Content.Headers.ContentType!.MediaType);

        // Restoring is copying the file to where Storage:DatabasePath points, as the README says.
        using var fresh = new TempDirectory();
        await File.WriteAllBytesAsync(fresh.File("restored.db"), await export.Content.ReadAsByteArrayAsync());
        await using var restored = await DashboardServer.StartAsync($"--Storage:DatabasePath={fresh.File("restored.db")}");

        var original = await _server.Client.GetStringAsync("/api/runs");
        Assert.Equal(original, await restored.Client.GetStringAsync("/api/runs"));
        Assert.Equal(series, await restored.Client.GetStringAsync($"/api/runs/{ids[0]}/series?key=train/loss"));
        Assert.Equal(await _server.Client.GetStringAsync("/api/uploads"), await restored.Client.GetStringAsync("/api/uploads"));
        // The uploads' bytes came along: a re-import in the restored copy finds the same runs.
        var reimport = await restored.Client.PostAsync("/api/uploads/reimport", null);
        Assert.Equal(HttpStatusCode.OK, reimport.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await reimport.Content.ReadAsStringAsync()).RootElement.GetProperty("runs").GetArrayLength());
        // The export's temp copy is gone once sent.
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(_server.DatabasePath)!, "*.upload", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_full_series_download_streams_in_chunks_without_a_length()
    {
        var id = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");

        using var csv = await _server.Client.GetAsync($"/api/runs/{id}/series?key=train/loss&format=csv", HttpCompletionOption.ResponseHeadersRead);
        using var json = await _server.Client.GetAsync($"/api/runs/{id}/series?key=train/loss", HttpCompletionOption.ResponseHeadersRead);

        Assert.Null(csv.Content.Headers.ContentLength);
        Assert.True(csv.Headers.TransferEncodingChunked);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step,value", lines[0]);
        Assert.Equal(37, lines.Length);
        Assert.Null(json.Content.Headers.ContentLength);
        var body = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(36, body.GetProperty("steps").GetArrayLength());
        Assert.Equal(36, body.GetProperty("values").GetArrayLength());
        Assert.Equal(lines[1], $"{body.GetProperty("steps")[0].GetInt64()},{body.GetProperty("values")[0].GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public async Task Temp_files_of_a_dead_process_are_removed_at_start()
    {
        using var dir = new TempDirectory();
        // A process id that is not running: above the kernel's pid_max default.
        var dead = Path.Combine(dir.Path, "tmp", "4194304");
        Directory.CreateDirectory(dead);
        await File.WriteAllBytesAsync(Path.Combine(dead, "left.upload"), new byte[1024]);

        await using var server = await DashboardServer.StartAsync($"--Storage:DatabasePath={dir.File("db.db")}");

        Assert.False(Directory.Exists(dead));
    }
    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    public async Task A_client_that_goes_away_half_way_through_a_body_leaves_no_temp_file(string method)
    {
        // Each aborted upload would otherwise leave its bytes on disk until the next restart: a client on the lab
        // network could fill the disk by starting uploads and hanging up.
        var bytes = MlxLogs.Bytes(20000);
        var boundary = "----gone";
        var head = method == "POST" ? System.Text.Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.log\"\r\nContent-Type: text/plain\r\n\r\n") : [];
        var tail = method == "POST" ? System.Text.Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n") : [];
        var length = head.Length + bytes.Length + tail.Length;
        var uri = new Uri(_server.BaseUrl);
        var target = method == "POST" ? "/api/uploads" : "/api/uploads/cut.log";
        var contentType = method == "POST" ? $"multipart/form-data; boundary={boundary}" : "application/octet-stream";
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {length}\r\n\r\n"));
            await stream.WriteAsync(head);
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            // Wait until the server holds a temp file of this body, then hang up.
            var temp = _server.Service<RunDashboard.Core.Storage.UploadTempFolder>().Path;
            var seen = DateTime.UtcNow.AddSeconds(30);
            while (!(Directory.Exists(temp) && Directory.EnumerateFiles(temp).Any()) && DateTime.UtcNow < seen) await Task.Delay(20);
            Assert.NotEmpty(Directory.EnumerateFiles(temp));
        }

        var folder = _server.Service<RunDashboard.Core.Storage.UploadTempFolder>().Path;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.EnumerateFiles(folder).Any() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Empty(Directory.EnumerateFiles(folder));
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/uploads")).GetArrayLength());
    }
}

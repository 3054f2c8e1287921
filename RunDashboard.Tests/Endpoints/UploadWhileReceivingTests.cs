using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>
/// Every upload test again with every upload parsed while its body arrives (the threshold set to 0 bytes; in use
/// it applies from 64 MB): the answers, runs and limits must be the same as when the body is received first.
/// </summary>
public class UploadEndpointTestsParsingWhileReceiving : UploadEndpointTests
{
    protected override string[] ServerArguments => ["--Uploads:ParseWhileReceivingBytes=0"];
}

/// <summary>What only the early parse can get wrong: fields after the file, and bodies that stop half-way.</summary>
public class UploadWhileReceivingTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync("--Uploads:ParseWhileReceivingBytes=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ByteArrayContent File(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return content;
    }

    private string PendingRoot => _server.DatabasePath + ".pending";

    [Fact]
    public async Task Fields_sent_after_the_file_name_the_run_and_a_rename_after_the_file_reads_it_again()
    {
        // curl -F file=@train.log -F project=… -F rename=…: the fields come after the file's bytes.
        var form = new MultipartFormDataContent
        {
            { File(MlxLogs.Bytes(4000)), "file", "train.log" },
            { new StringContent("after-the-file"), "project" },
            { new StringContent("named late"), "name" },
            { new StringContent("Train loss=train/renamed_loss"), "rename" },
        };

        var response = await _server.Client.PostAsync("/api/uploads", form);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        // The rename came after the file: the early reading did not stand and the file was read again.
        Assert.False(body.GetProperty("timings").GetProperty("parsedWhileReceiving").GetBoolean());
        var run = body.GetProperty("runs")[0];
        Assert.Equal("named late", run.GetProperty("name").GetString());
        var keys = run.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("key").GetString()).ToList();
        Assert.Contains("train/renamed_loss", keys);
        Assert.DoesNotContain("train/loss", keys);
        var stored = _server.Service<RunStore>().GetRun(run.GetProperty("id").GetString()!)!;
        Assert.Equal("after-the-file", stored.Project);
        Assert.Equal(4000, stored.FindMetric("train/renamed_loss")!.Count);
    }

    [Fact]
    public async Task The_same_log_sent_again_while_parsed_early_is_a_duplicate_and_leaves_nothing_behind()
    {
        var bytes = MlxLogs.Bytes(3000);
        var first = await _server.Client.PostAsync("/api/uploads", new MultipartFormDataContent { { File(bytes), "file", "a.log" } });
        var second = await _server.Client.PostAsync("/api/uploads", new MultipartFormDataContent { { File(bytes), "file", "b.log" } });
        var body = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstBody = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement;
        Assert.True(firstBody.GetProperty("timings").GetProperty("parsedWhileReceiving").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(body.GetProperty("files")[0].GetProperty("duplicate").GetBoolean());
        var store = _server.Service<RunStore>();
        Assert.Single(store.ListRuns());
        Assert.Single(store.Uploads.List());
        store.Uploads.WaitForArchive();
        Assert.Empty(Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_body_that_stops_half_way_leaves_no_run_no_upload_and_no_file()
    {
        // The client sends the headers and half the file, then goes away.
        var bytes = MlxLogs.Bytes(20000);
        var boundary = "----half";
        var head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.log\"\r\nContent-Type: text/plain\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var length = head.Length + bytes.Length + tail.Length;
        var uri = new Uri(_server.BaseUrl);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(uri.Host, uri.Port);
            var stream = client.GetStream();
            var request = Encoding.ASCII.GetBytes($"POST /api/uploads HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n");
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(500);
        }

        var store = _server.Service<RunStore>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists(PendingRoot) && Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories).Any() && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Empty(Directory.Exists(PendingRoot) ? Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories) : []);
        Assert.Empty(store.ListRuns());
        Assert.Empty(store.Uploads.List());

        // The dashboard goes on taking uploads.
        var next = await _server.Client.PostAsync("/api/uploads", new MultipartFormDataContent { { File(MlxLogs.Bytes(100)), "file", "next.log" } });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Security;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>Every upload test again with every upload parsed while it arrives and hashed only after its answer.</summary>
public class UploadEndpointTestsHashedAfterAnswer : UploadEndpointTests
{
    protected override string[] ServerArguments => ["--Uploads:ParseWhileReceivingBytes=0", "--Uploads:HashAfterAnswerBytes=0"];
}

/// <summary>
/// A large upload is answered before its bytes are hashed (the threshold set to 0 bytes; in use it applies from
/// 64 MB): its SHA-256 comes when its bytes are archived, and bytes seen before are still recognised.
/// </summary>
public class HashAfterAnswerTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await DashboardServer.StartAsync("--Uploads:ParseWhileReceivingBytes=0", "--Uploads:HashAfterAnswerBytes=0");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(byte[] bytes, string name, string? project = null)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var form = new MultipartFormDataContent { { file, "file", name } };
        if (project is not null) form.Add(new StringContent(project), "project");
        var response = await _server.Client.PostAsync("/api/uploads", form);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The upload list once every upload's bytes are archived (and so hashed).</summary>
    private async Task<List<JsonElement>> ArchivedUploadsAsync()
    {
        _server.Service<RunStore>().Uploads.WaitForArchive();
        return (await _server.Client.GetFromJsonElementAsync("/api/uploads")).EnumerateArray().ToList();
    }

    [Fact]
    public async Task The_hash_is_recorded_once_the_bytes_are_archived()
    {
        var bytes = MlxLogs.Bytes(3000);

        var (status, body) = await UploadAsync(bytes, "train.log");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(body.GetProperty("timings").GetProperty("parsedWhileReceiving").GetBoolean());
        var upload = Assert.Single(await ArchivedUploadsAsync());
        Assert.Equal(Sha(bytes), upload.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task The_same_bytes_sent_right_after_are_a_duplicate_whether_or_not_the_first_is_hashed_yet()
    {
        var bytes = MlxLogs.Bytes(3000);

        var (first, firstBody) = await UploadAsync(bytes, "a.log");
        var (second, secondBody) = await UploadAsync(bytes, "b.log");
        var (third, _) = await UploadAsync(bytes, "c.log");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(HttpStatusCode.OK, third);
        Assert.Equal(firstBody.GetProperty("runs")[0].GetProperty("id").GetString(), secondBody.GetProperty("runs")[0].GetProperty("id").GetString());
        var upload = Assert.Single(await ArchivedUploadsAsync());
        Assert.Equal(Sha(bytes), upload.GetProperty("sha256").GetString());
        Assert.Single(_server.Service<RunStore>().ListRuns());
    }

    [Fact]
    public async Task Other_bytes_of_the_same_length_are_a_run_of_their_own()
    {
        var bytes = MlxLogs.Bytes(3000);
        var other = (byte[])bytes.Clone();
        // Same length, one digit different in the last line.
        var last = Array.LastIndexOf(other, (byte)'1');
        other[last] = (byte)'2';

        var (first, _) = await UploadAsync(bytes, "a.log");
        var (second, _) = await UploadAsync(other, "b.log");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        var hashes = (await ArchivedUploadsAsync()).Select(u => u.GetProperty("sha256").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { Sha(bytes), Sha(other) }, hashes);
        Assert.Equal(2, _server.Service<RunStore>().ListRuns().Count);
    }

    [Fact]
    public async Task A_log_that_grew_right_after_its_first_upload_continues_its_run()
    {
        var start = MlxLogs.Bytes(3000);
        var grown = start.Concat(Encoding.ASCII.GetBytes("Iter 3001: Train loss 0.500, Learning Rate 1.000e-05, It/sec 1.0, Tokens/sec 100.0, Trained Tokens 300100, Peak mem 1.0 GB\n")).ToArray();

        var (_, firstBody) = await UploadAsync(start, "train.log", "grow");
        var (status, body) = await UploadAsync(grown, "train.log", "grow");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(firstBody.GetProperty("runs")[0].GetProperty("id").GetString(), body.GetProperty("runs")[0].GetProperty("id").GetString());
        var hashes = (await ArchivedUploadsAsync()).Select(u => u.GetProperty("sha256").GetString()).ToList();
        Assert.Contains(Sha(grown), hashes);
    }
}

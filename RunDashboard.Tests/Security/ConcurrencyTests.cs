using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>A large import in progress: reads answer at once and a small upload does not queue behind it.</summary>
[Trait("Category", "Slow")]
public class ConcurrencyTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private readonly TempDirectory _dir = new();

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string WriteLog(int lines) => MlxLogs.Write(_dir.File("big.log"), lines);

    [Fact]
    public async Task While_a_large_import_runs_reads_answer_and_a_small_upload_finishes_first()
    {
        var existing = await _server.UploadFixtureAsync("nanogpt_train.log");
        // About 180 MB: several seconds of parsing and storing on a 2-core machine, even with MLX-LM lines read from their bytes.
        var big = WriteLog(1_500_000);
        using var client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(big), 1 << 20);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "big.log");
        var bigWatch = Stopwatch.StartNew();
        var bigUpload = client.PostAsync("/api/uploads", form);
        // The body is sent in about a second; from then on the import holds the big lane.
        await Task.Delay(2000);
        Assert.False(bigUpload.IsCompleted, "the large import finished before the reads; the log is too small to test this");

        var small = Stopwatch.StartNew();
        var smallRuns = await _server.UploadAsync("small.log", Fixture.Bytes("mlx_lm_lora_run3.log"));
        small.Stop();
        var smallDoneWhileBigRunning = !bigUpload.IsCompleted;
        var slowestRead = TimeSpan.Zero;
        for (var i = 0; i < 10; i++)
        {
            var read = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/api/runs")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync($"/api/runs/{existing}/series?key=train/loss&points=200")).StatusCode);
            slowestRead = read.Elapsed > slowestRead ? read.Elapsed : slowestRead;
        }

        var bigResponse = await bigUpload;
        bigWatch.Stop();
        Assert.Equal(HttpStatusCode.Created, bigResponse.StatusCode);
        Assert.Equal(1, smallRuns.GetArrayLength());
        Assert.True(smallDoneWhileBigRunning, $"the small upload took {small.Elapsed.TotalSeconds:0.0} s and finished after the large one ({bigWatch.Elapsed.TotalSeconds:0.0} s)");
        Assert.True(slowestRead < TimeSpan.FromSeconds(2), $"a read during the import took {slowestRead.TotalMilliseconds:0} ms");
        Console.WriteLine($"large import {bigWatch.Elapsed.TotalSeconds:0.0} s; small upload during it {small.Elapsed.TotalMilliseconds:0} ms; slowest read pair {slowestRead.TotalMilliseconds:0} ms");
    }
}

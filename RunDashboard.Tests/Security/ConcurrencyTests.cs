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
        // About 180 MB, so its body is parsed while it arrives. The client sends half of it and then holds the rest
        // until the checks are done: the large import is in progress during them whatever the machine's speed.
        var big = WriteLog(1_500_000);
        using var client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        var form = new MultipartFormDataContent();
        var gated = new GatedStream(File.OpenRead(big), new FileInfo(big).Length / 2);
        var file = new StreamContent(gated, 1 << 20);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "big.log");
        var bigWatch = Stopwatch.StartNew();
        var bigUpload = client.PostAsync("/api/uploads", form);
        await gated.Reached.WaitAsync(TimeSpan.FromMinutes(1));
        // The server reads what the socket holds and parses it meanwhile.
        await Task.Delay(500);
        Assert.False(bigUpload.IsCompleted, "the large upload ended before the rest of its body was sent");

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

        var bigDoneBeforeRest = bigUpload.IsCompleted;
        gated.Open();
        var bigResponse = await bigUpload;
        Assert.False(bigDoneBeforeRest, "the large upload ended before the rest of its body was sent");
        bigWatch.Stop();
        Assert.Equal(HttpStatusCode.Created, bigResponse.StatusCode);
        Assert.Equal(1, smallRuns.GetArrayLength());
        Assert.True(smallDoneWhileBigRunning, $"the small upload took {small.Elapsed.TotalSeconds:0.0} s and finished after the large one ({bigWatch.Elapsed.TotalSeconds:0.0} s)");
        Assert.True(slowestRead < TimeSpan.FromSeconds(2), $"a read during the import took {slowestRead.TotalMilliseconds:0} ms");
        Console.WriteLine($"large import {bigWatch.Elapsed.TotalSeconds:0.0} s; small upload during it {small.Elapsed.TotalMilliseconds:0} ms; slowest read pair {slowestRead.TotalMilliseconds:0} ms");
    }

    /// <summary>A file sent up to <paramref name="gateAt"/> bytes, then held until <see cref="Open"/>.</summary>
    private sealed class GatedStream(Stream inner, long gateAt) : Stream
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _position;

        public Task Reached => _reached.Task;

        public void Open() => _open.TrySetResult();

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= gateAt)
            {
                _reached.TrySetResult();
                await _open.Task.WaitAsync(cancellationToken);
            }
            var n = await inner.ReadAsync(_position < gateAt ? buffer[..(int)Math.Min(buffer.Length, gateAt - _position)] : buffer, cancellationToken);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => origin == SeekOrigin.Begin && offset == 0 && _position == 0 ? 0 : throw new NotSupportedException();
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

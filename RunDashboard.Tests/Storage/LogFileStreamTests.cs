using System.Diagnostics;
using RunDashboard.Core.Storage.LiteDb;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>The database log's flushes reach the disk grouped, and none is left owed.</summary>
public class LogFileStreamTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void A_burst_of_flushes_costs_one_sync_per_interval_not_one_each()
    {
        using var log = new LogFileStream(_dir.File("burst-log.db"));
        var page = new byte[8192];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2_000; i++)
        {
            lock (log) log.Write(page, 0, page.Length);
            log.Flush();
        }
        var elapsed = clock.Elapsed;

        var allowed = 2 + (int)(elapsed / LogFileStream.SyncEvery);
        Assert.InRange(log.Syncs, 0, allowed);
        Assert.Equal(2_000L * page.Length, new FileInfo(log.Path).Length);
    }

    [Fact]
    public void A_flush_that_was_put_off_is_synced_when_its_interval_ends()
    {
        using var log = new LogFileStream(_dir.File("late-log.db"));
        log.Write(new byte[8192], 0, 8192);
        log.Flush();
        var before = log.Syncs;

        var deadline = Stopwatch.StartNew();
        while (log.Syncs == before && deadline.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);

        Assert.Equal(before + 1, log.Syncs);
    }

    [Fact]
    public void Closing_syncs_what_is_owed()
    {
        var log = new LogFileStream(_dir.File("close-log.db"));
        log.Write(new byte[8192], 0, 8192);
        log.Flush();
        log.Dispose();

        // The flush came within an interval of opening, so it was put off: closing (or, if the machine stalled, the
        // interval's end) synced it, and only once.
        Assert.Equal(1, log.Syncs);
        Assert.Equal(8192, new FileInfo(_dir.File("close-log.db")).Length);
    }

    public void Dispose() => _dir.Dispose();
}

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>
/// LiteDB's log (its write-ahead file), opened by the dashboard so that its syncs to disk are grouped. LiteDB's
/// writer calls <c>FileStream.Flush(true)</c>, an fsync, each time its queue of log pages runs empty: while an import
/// inserts its chunks that happened about 4,000 times for a 512 MB log, and 12,000 times while its raw bytes were
/// archived, each costing a write to the disk device and tens of microseconds of processor time. A commit does not
/// wait for that sync anyway (LiteDB answers once the pages are queued), and the points that must survive a power
/// cut (an import committed, a run deleted) checkpoint the log into the database file, which LiteDB syncs itself.
/// Here a flush reaches the operating system at once and the disk at most <see cref="SyncEvery"/> later, so a
/// committed change is on disk within that time, as before, at one sync per interval instead of one per page burst.
/// LiteDB reads and writes this stream under a lock on it; the members it calls without one take the same lock.
/// </summary>
internal sealed class LogFileStream : Stream
{
    internal static readonly TimeSpan SyncEvery = TimeSpan.FromMilliseconds(500);

    private readonly FileStream _file;
    private readonly Timer _timer;
    private bool _syncDue;
    private bool _timerArmed;
    private bool _disposed;
    private long _lastSync = Environment.TickCount64;

    public LogFileStream(string path)
    {
        Path = path;
        // Unbuffered: LiteDB writes and reads whole 8 KB pages at set positions, so a buffer would only copy them.
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        _timer = new Timer(_ => SyncIfDue());
    }

    public string Path { get; }

    /// <summary>Syncs to disk done so far.</summary>
    internal int Syncs { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => true;
    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => _file.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);
    public override void Write(byte[] buffer, int offset, int count) => _file.Write(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

    public override void SetLength(long value)
    {
        lock (this) _file.SetLength(value);
    }

    public override void Flush()
    {
        lock (this)
        {
            if (_disposed) return;
            _syncDue = true;
            var wait = SyncEvery.TotalMilliseconds - (Environment.TickCount64 - _lastSync);
            if (wait <= 0) SyncLocked();
            else if (!_timerArmed)
            {
                _timerArmed = true;
                _timer.Change(TimeSpan.FromMilliseconds(wait), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void SyncIfDue()
    {
        lock (this)
        {
            _timerArmed = false;
            if (_syncDue && !_disposed) SyncLocked();
        }
    }

    private void SyncLocked()
    {
        _file.Flush(flushToDisk: true);
        _syncDue = false;
        _lastSync = Environment.TickCount64;
        Syncs++;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (this)
            {
                if (_disposed) return;
                if (_syncDue) SyncLocked();
                _disposed = true;
            }
            _timer.Dispose();
            _file.Dispose();
        }
        base.Dispose(disposing);
    }
}

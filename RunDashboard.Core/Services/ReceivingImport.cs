using System.Runtime.CompilerServices;
using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// A large upload parsed while its body is still arriving: the receiver writes the file straight into the store's
/// pending folder (where its bytes are kept), and the import reads it as it grows, so receiving and parsing overlap
/// on the machine's cores instead of running one after the other. What needs the whole file (its hash, the check
/// for bytes seen before, the form fields that came after the file) is done once the body has ended
/// (<see cref="FinishAsync"/>). When that shows the early parse cannot stand (the fields asked for another reading,
/// or the file is a zip, whose limits are checked on the whole archive first), the file is simply imported again
/// from disk, as if nothing had been started.
/// </summary>
public sealed class ReceivingImport : IDisposable
{
    private readonly ImportService _imports;
    private readonly RunStore _store;
    private readonly GrowingFile _file;
    private readonly CancellationTokenSource _cancel;
    private readonly Task<ImportReport?> _early;
    private readonly string _fileName;
    private bool _finished;

    internal ReceivingImport(ImportService imports, RunStore store, string fileName, UploadOptions provisional, CancellationToken cancellationToken)
    {
        _imports = imports;
        _store = store;
        _fileName = fileName;
        UploadId = Model.RunIds.New();
        Path = store.Uploads.ReservePending(UploadId);
        // Created here, before the early import looks for it; the receiver opens it to write.
        File.Create(Path).Dispose();
        _file = new GrowingFile(Path);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _early = Task.Run(() => EarlyImportAsync(provisional));
    }

    /// <summary>The upload id the file is kept under.</summary>
    public string UploadId { get; }

    /// <summary>Where the receiver writes the body (the file is created by the receiver).</summary>
    public string Path { get; }

    /// <summary>
    /// The receiver wrote <paramref name="bytes"/> to the file, which is now <paramref name="length"/> bytes long.
    /// The import reads them from memory while they are among the last few megabytes written.
    /// </summary>
    public void Wrote(ReadOnlySpan<byte> bytes, long length) => _file.Append(bytes, length);

    private async Task<ImportReport?> EarlyImportAsync(UploadOptions provisional)
    {
        // A zip is opened only after its central directory was checked against the limits, on the whole file.
        using (var head = _file.OpenRead())
        {
            var magic = new byte[4];
            if (await head.ReadAtLeastAsync(magic, 4, throwOnEndOfStream: false, _cancel.Token) == 4 && Ingest.ZipBundle.IsZip(magic)) return null;
        }
        var file = new UploadFile(_fileName, _file.OpenRead) { ParkedAs = UploadId, Receiving = _file };
        try
        {
            return await _imports.ImportAsync([file], provisional, _cancel.Token);
        }
        catch (GrowingFile.ReadAgainException)
        {
            return null;
        }
    }

    /// <summary>
    /// The body ended: finishes the early import with the hash and the final form fields, or imports the file again
    /// when the early one cannot stand.
    /// </summary>
    public async Task<ImportReport> FinishAsync(string? sha256, UploadOptions options, CancellationToken cancellationToken)
    {
        _finished = true;
        _file.Complete(sha256, options);
        var report = await _early;
        _file.ForgetRecent();
        return report ?? await _imports.ImportAsync([AsUploadFile(sha256)], options, cancellationToken);
    }

    /// <summary>
    /// Gives up the early import (a second file came in the same form: the files are imported together once all are
    /// here) and returns the file as an ordinary received one.
    /// </summary>
    public async Task<UploadFile> StopEarlyImportAsync(string? sha256)
    {
        _finished = true;
        await _cancel.CancelAsync();
        _file.Fail(new OperationCanceledException("the upload has more than one file"));
        try
        {
            await _early;
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        _file.ForgetRecent();
        return AsUploadFile(sha256);
    }

    private UploadFile AsUploadFile(string? sha256) =>
        new(_fileName, () => File.OpenRead(Path), sha256) { ParkedAs = UploadId };

    /// <summary>
    /// Ends a receipt that went wrong (the client went away, a field over a limit): the early import is stopped and
    /// nothing of it stays; the kept file goes unless an import committed it.
    /// </summary>
    public void Dispose()
    {
        if (!_finished)
        {
            _cancel.Cancel();
            _file.Fail(new IOException("the upload was cut short"));
            try
            {
                _early.Wait(TimeSpan.FromMinutes(1));
            }
            catch (AggregateException)
            {
            }
        }
        _file.ForgetRecent();
        if (_store.Uploads.Get(UploadId) is not { Status: Model.UploadRecord.Imported }) _store.Uploads.Unpark(UploadId);
        _cancel.Dispose();
    }
}

/// <summary>
/// A file being written by one thread and read by others: reads wait for bytes not yet written, and end where the
/// writer ended. Once complete it carries the upload's hash and final form fields. The last bytes written are also
/// kept in memory (<see cref="RecentBytes"/>): a reader keeping up with the writer copies them from there instead of
/// reading back from the page cache what was just written, which took a fifth of a second of processor time for a
/// 512 MB upload; a reader that fell further behind reads the file.
/// </summary>
internal sealed class GrowingFile(string path)
{
    /// <summary>Bytes kept in memory behind the writer: a few of the receiver's 1 MB reads.</summary>
    internal const int RecentBytes = 4 << 20;

    private readonly object _lock = new();

    /// <summary>The last pieces written, oldest first, contiguous (under <see cref="_lock"/>).</summary>
    private readonly Queue<(long Start, byte[] Bytes, int Length)> _recent = new();
    private long _recentLength;
    private long _length;
    private int _waiting;
    private bool _complete;
    private Exception? _failed;

    public string Path { get; } = path;
    public string? Sha256 { get; private set; }
    public UploadOptions? Options { get; private set; }

    public bool IsComplete
    {
        get
        {
            lock (_lock) return _complete;
        }
    }

    public long Length => Volatile.Read(ref _length);

    /// <summary>The writer wrote <paramref name="bytes"/>, ending at <paramref name="length"/>.</summary>
    [MethodImpl(HotPath.Optimised)]
    public void Append(ReadOnlySpan<byte> bytes, long length)
    {
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(copy);
        lock (_lock)
        {
            _recent.Enqueue((length - bytes.Length, copy, bytes.Length));
            _recentLength += bytes.Length;
            while (_recentLength > RecentBytes && _recent.Count > 1) Drop();
        }
        Advance(length);
    }

    /// <summary>
    /// Copies bytes at <paramref name="position"/> from the recent pieces; 0 when they are not in memory (any more).
    /// The copy is made under the lock, so a piece is never handed back to the pool while it is read.
    /// </summary>
    public int CopyRecent(long position, Span<byte> into)
    {
        lock (_lock)
        {
            foreach (var (start, bytes, length) in _recent)
            {
                if (position < start) return 0;
                if (position >= start + length) continue;
                var n = (int)Math.Min(into.Length, start + length - position);
                bytes.AsSpan((int)(position - start), n).CopyTo(into);
                return n;
            }
            return 0;
        }
    }

    /// <summary>The import no longer reads as the file grows: the pieces go back to the pool.</summary>
    public void ForgetRecent()
    {
        lock (_lock)
        {
            while (_recent.Count > 0) Drop();
        }
    }

    private void Drop()
    {
        var (_, bytes, length) = _recent.Dequeue();
        _recentLength -= length;
        System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
    }

    private void Advance(long length)
    {
        Volatile.Write(ref _length, length);
        // Readers wait only when they caught up with the writer; most reads find their bytes there.
        if (Volatile.Read(ref _waiting) == 0) return;
        lock (_lock) Monitor.PulseAll(_lock);
    }

    public void Complete(string? sha256, UploadOptions options)
    {
        lock (_lock)
        {
            Sha256 = sha256;
            Options = options;
            _complete = true;
            Monitor.PulseAll(_lock);
        }
    }

    public void Fail(Exception reason)
    {
        lock (_lock)
        {
            if (_complete) return;
            _failed = reason;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Waits until bytes past <paramref name="position"/> exist or the file ended; returns the length then.</summary>
    public long WaitPast(long position)
    {
        var length = Volatile.Read(ref _length);
        if (length > position) return length;
        lock (_lock)
        {
            Interlocked.Increment(ref _waiting);
            try
            {
                while (Volatile.Read(ref _length) <= position && !_complete)
                {
                    if (_failed is not null) throw _failed is OperationCanceledException ? new OperationCanceledException(_failed.Message, _failed) : new IOException(_failed.Message, _failed);
                    // The writer pulses only when it sees a waiter; the timeout covers a write that slipped in between.
                    Monitor.Wait(_lock, 50);
                }
                return Volatile.Read(ref _length);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
    }

    /// <summary>Waits for the end of the body: its hash (null when it is hashed after the answer) and the form's final fields.</summary>
    public (string? Sha256, UploadOptions Options) WaitUntilComplete(CancellationToken cancellationToken)
    {
        using var _ = cancellationToken.Register(() => Fail(new OperationCanceledException(cancellationToken)));
        lock (_lock)
        {
            while (!_complete)
            {
                if (_failed is not null) throw new OperationCanceledException(_failed.Message, _failed);
                Monitor.Wait(_lock);
            }
            return (Sha256, Options!);
        }
    }

    public Stream OpenRead() => new Reader(this);

    /// <summary>The early parse read the file with hints the final form fields changed: the file is read again.</summary>
    public sealed class ReadAgainException() : Exception("the form's fields changed how the file is read");

    private sealed class Reader : Stream
    {
        private readonly GrowingFile _file;
        private readonly FileStream _inner;

        /// <summary>Where the next read starts: bytes come from memory or from the file, whose position follows this one.</summary>
        private long _position;

        public Reader(GrowingFile file)
        {
            _file = file;
            _inner = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }

        public override bool CanRead => true;

        // Seekable (with a length) once the whole body is there, as a received file is.
        public override bool CanSeek => _file.IsComplete;
        public override bool CanWrite => false;
        public override long Length => _file.IsComplete ? _file.Length : throw new NotSupportedException("the upload is still arriving");

        public override long Position
        {
            get => _position;
            set => _position = CanSeek ? value : throw new NotSupportedException("the upload is still arriving");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        [MethodImpl(HotPath.Optimised)]
        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            var available = _file.WaitPast(_position);
            var n = (int)Math.Min(buffer.Length, available - _position);
            if (n <= 0) return 0;
            var read = _file.CopyRecent(_position, buffer[..n]);
            if (read == 0)
            {
                if (_inner.Position != _position) _inner.Position = _position;
                read = _inner.Read(buffer[..n]);
            }
            _position += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            if (!CanSeek) throw new NotSupportedException("the upload is still arriving");
            return _position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => _file.Length + offset };
        }
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

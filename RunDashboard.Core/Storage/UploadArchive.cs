using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using RunDashboard.Core.Cluster;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Raw uploaded bytes and their records, found again by id or content hash, on whichever backend.
/// <para>
/// A large upload's bytes are not compressed into the database while its user waits for the chart: the import
/// moves the received file into a folder beside the database (<see cref="Park"/>, a rename on the same disk), the
/// runs are published, and a background worker then compresses the bytes into the database and deletes the file.
/// Until then the file serves <see cref="OpenBytes"/>. The bytes are on disk at every moment after the upload
/// was received: a dashboard stopped before the worker finished archives the files at its next start (a file
/// whose import never committed is deleted then).
/// </para>
/// </summary>
public sealed class UploadArchive : IDisposable
{
    private readonly IStorageBackend _backend;
    private readonly string? _pendingRoot;
    private readonly string? _pendingFolder;
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _dropped = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _queued = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _worker;
    private readonly SemaphoreSlim _largeWrites;
    private int _inFlight;
    private bool _disposed;
    private readonly object _idle = new();

    /// <param name="pendingRoot">
    /// The folder for bytes waiting to be archived (one subfolder per process), or null to store bytes at once.
    /// </param>
    internal UploadArchive(IStorageBackend backend, string? pendingRoot = null, SemaphoreSlim? largeWrites = null)
    {
        _backend = backend;
        _largeWrites = largeWrites ?? new SemaphoreSlim(1, 1);
        _pendingRoot = pendingRoot;
        if (pendingRoot is not null)
        {
            _pendingFolder = Path.Combine(pendingRoot, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            RecoverLeftovers();
        }
        _worker = pendingRoot is null ? Task.CompletedTask : Task.Run(WorkAsync);
    }

    /// <summary>
    /// Archives the bytes a stopped dashboard left parked beside <paramref name="databasePath"/> into
    /// <paramref name="backend"/>, and waits for it (before a migration reads the database). Returns how many.
    /// </summary>
    public static int ArchiveLeftovers(IStorageBackend backend, string databasePath)
    {
        using var archive = new UploadArchive(backend, RunStore.PendingFolderOf(Path.GetFullPath(databasePath)));
        var count = archive._inFlight;
        archive.WaitForArchive();
        return count;
    }

    /// <summary>True when imports may leave bytes to the background worker (<see cref="Park"/>).</summary>
    public bool CanPark => _pendingFolder is not null;

    public UploadRecord? Get(string id) => _backend.GetUpload(id);

    public UploadRecord? FindBySha256(string sha256) =>
        _backend.UploadsBySha256(sha256).OrderByDescending(u => u.Status == UploadRecord.Imported).FirstOrDefault();

    public IReadOnlyList<UploadRecord> List() => _backend.ListUploads();

    /// <summary>
    /// Stores the bytes of an upload, deflate-compressed (logs shrink 5–10×) and streamed in pieces; the record is
    /// saved with the import's commit. Returns the number of bytes read.
    /// </summary>
    public long StoreBytes(string uploadId, string fileName, Stream content) => _backend.StoreUploadBytes(uploadId, fileName, content);

    /// <summary>
    /// The upload's SHA-256, hashing its bytes now (and recording it) when it was answered before they were hashed
    /// and they are not archived yet; null when the upload or its bytes are gone.
    /// </summary>
    public string? Sha256Of(UploadRecord upload)
    {
        if (upload.Sha256.Length > 0) return upload.Sha256;
        if (!HasBytes(upload.Id)) return null;
        string sha;
        try
        {
            using var bytes = OpenBytes(upload.Id);
            sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or LiteDB.LiteException)
        {
            return null;
        }
        _backend.SetUploadSha256(upload.Id, sha);
        return sha;
    }

    /// <summary>
    /// Moves a received file into this instance's pending folder under <paramref name="uploadId"/> (the caller gives
    /// up the file). Returns the new path. The bytes are archived only once <see cref="Archive"/> is called after
    /// the upload's record is committed; <see cref="Unpark"/> deletes them when the import does not commit.
    /// </summary>
    public string Park(string uploadId, string receivedFile)
    {
        if (_pendingFolder is null) throw new InvalidOperationException("this store archives uploads at once; check CanPark");
        Directory.CreateDirectory(_pendingFolder);
        var path = Path.Combine(_pendingFolder, uploadId);
        File.Move(receivedFile, path, overwrite: true);
        _pending[uploadId] = path;
        return path;
    }

    /// <summary>
    /// A path in this instance's pending folder for bytes about to be received under <paramref name="uploadId"/>
    /// (the receiver writes there directly); kept or deleted like a parked file.
    /// </summary>
    public string ReservePending(string uploadId)
    {
        if (_pendingFolder is null) throw new InvalidOperationException("this store archives uploads at once; check CanPark");
        Directory.CreateDirectory(_pendingFolder);
        var path = Path.Combine(_pendingFolder, uploadId);
        _pending[uploadId] = path;
        return path;
    }

    /// <summary>Deletes parked bytes whose import did not commit, or whose upload is being deleted.</summary>
    public void Unpark(string uploadId)
    {
        if (_pending.TryRemove(uploadId, out var path))
        {
            // Marked before the caller deletes the record: an archive that stores the bytes meanwhile sees the mark
            // after its commit and removes them, or committed early enough for the caller's delete to remove them.
            if (_queued.ContainsKey(uploadId)) _dropped[uploadId] = true;
            UploadTempFolder.TryDelete(path);
        }
    }

    /// <summary>Queues committed uploads' parked bytes for compression into the database.</summary>
    public void Archive(IEnumerable<string> uploadIds)
    {
        foreach (var id in uploadIds)
        {
            if (!_pending.ContainsKey(id)) continue;
            Enqueue(id);
        }
    }

    /// <summary>Uploads whose bytes are still in the pending folder, not yet in the database.</summary>
    public int PendingCount => _pending.Count;

    public bool IsPending(string uploadId) => _pending.ContainsKey(uploadId);

    /// <summary>The last failure of the background worker (the bytes stay parked and are tried again), or null.</summary>
    public string? LastArchiveError { get; private set; }

    /// <summary>Waits until every queued upload is archived (an export or a migration needs them in the database).</summary>
    public void WaitForArchive(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(10));
        lock (_idle)
        {
            while (Volatile.Read(ref _inFlight) > 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"{_inFlight} uploads were still being archived into the database");
                Monitor.Wait(_idle, left);
            }
        }
    }

    public Stream OpenBytes(string uploadId)
    {
        // Deleting a parked file while it is read (archived meanwhile) is allowed: the reader keeps its bytes.
        if (_pending.TryGetValue(uploadId, out var path))
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            }
            catch (FileNotFoundException)
            {
            }
        }
        return _backend.OpenUploadBytes(uploadId);
    }

    public bool HasBytes(string uploadId) => _pending.ContainsKey(uploadId) || _backend.HasUploadBytes(uploadId);

    public void Delete(string uploadId)
    {
        Unpark(uploadId);
        _backend.DeleteUploadRecord(uploadId);
    }

    /// <summary>
    /// Files left in the pending folders of processes that are gone (or of this process id before a restart): a
    /// committed upload's are archived, the rest were never committed and are deleted.
    /// </summary>
    private void RecoverLeftovers()
    {
        if (_pendingRoot is null || !Directory.Exists(_pendingRoot)) return;
        foreach (var dir in Directory.EnumerateDirectories(_pendingRoot))
        {
            var name = Path.GetFileName(dir);
            // This process id's own folder holds only files of an earlier process with the same id (a container
            // restarted as pid 1): nothing of this process is parked yet.
            if (int.TryParse(name, out var pid) && pid != Environment.ProcessId && UploadTempFolder.IsRunning(pid)) continue;
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                var id = Path.GetFileName(file);
                if (_backend.GetUpload(id) is { } record && record.Status == UploadRecord.Imported)
                {
                    _pending[id] = file;
                    Enqueue(id);
                }
                else
                {
                    UploadTempFolder.TryDelete(file);
                }
            }
        }
    }

    private void Enqueue(string id)
    {
        _queued[id] = true;
        Interlocked.Increment(ref _inFlight);
        _queue.Writer.TryWrite(id);
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(_stop.Token))
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await _largeWrites.WaitAsync(_stop.Token);
                        try
                        {
                            ArchiveOne(id);
                        }
                        finally
                        {
                            _largeWrites.Release();
                        }
                        LastArchiveError = null;
                        break;
                    }
                    catch (Exception ex) when (attempt < 6 && (TransientFailures.IsTransient(ex) || ex is IOException))
                    {
                        LastArchiveError = $"archiving upload {id}: {ex.Message} (trying again)";
                        await Task.Delay(TransientFailures.Backoff(attempt), _stop.Token);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The file stays parked and serves reads; the next start tries again.
                        LastArchiveError = $"archiving upload {id}: {ex.GetType().Name}: {ex.Message}";
                        break;
                    }
                }
                _queued.TryRemove(id, out _);
                _dropped.TryRemove(id, out _);
                Done();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Done()
    {
        lock (_idle)
        {
            Interlocked.Decrement(ref _inFlight);
            Monitor.PulseAll(_idle);
        }
    }

    private void ArchiveOne(string id)
    {
        if (!_pending.TryGetValue(id, out var path)) return;
        var record = _backend.GetUpload(id);
        if (record is null)
        {
            Unpark(id);
            return;
        }
        // A large upload is answered before its bytes are hashed: this pass, which reads them anyway, hashes them.
        using var hash = record.Sha256.Length == 0 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan))
        using (var content = new StoppableStream(file, _stop.Token, hash))
        {
            // A stop half-way throws out of the copy: the backend removes what it had stored, the file stays parked.
            _backend.StoreUploadBytes(id, record.FileName, content);
        }
        if (hash is not null) _backend.SetUploadSha256(id, Convert.ToHexStringLower(hash.GetHashAndReset()));
        // Deleted while it was being archived: the bytes just stored belong to nothing.
        if (_dropped.TryRemove(id, out _) || _backend.GetUpload(id) is null)
        {
            _backend.DeleteUploadRecord(id);
            return;
        }
        if (_pending.TryRemove(id, out var parked)) UploadTempFolder.TryDelete(parked);
    }

    /// <summary>
    /// Reads a stream until <paramref name="stop"/> is cancelled, then throws (a shutdown ends an archive early);
    /// hashes what it reads when given a <paramref name="hash"/>.
    /// </summary>
    private sealed class StoppableStream(Stream inner, CancellationToken stop, IncrementalHash? hash = null) : ForwardReadStream
    {
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; }

        public override int Read(Span<byte> buffer)
        {
            stop.ThrowIfCancellationRequested();
            var read = inner.Read(buffer);
            hash?.AppendData(buffer[..read]);
            return read;
        }

    }

    /// <summary>Stops the worker; an archive cut short leaves its file parked for the next start.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _queue.Writer.TryComplete();
        _stop.Cancel();
        try
        {
            _worker.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}

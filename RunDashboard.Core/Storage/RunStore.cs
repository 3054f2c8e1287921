using LiteDB;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage.LiteDb;
using RunDashboard.Core.Storage.Postgres;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The dashboard's store: runs, their series in chunks, their events, the raw uploads and small documents. It is the
/// one façade services and pages use, whichever database is behind it (<see cref="IStorageBackend"/>: a LiteDB file by
/// default, PostgreSQL for several instances). What does not depend on the database lives here once: assembling a
/// series from chunks, bucketed reads through pyramids, and the staging of an import's chunks (<see cref="StagedImport"/>).
/// </summary>
public sealed partial class RunStore : IDisposable
{
    internal const string ChunksCollection = LiteDbBackend.ChunksCollection;
    internal const string PyramidsCollection = LiteDbBackend.PyramidsCollection;

    /// <summary>Opens (and creates) a LiteDB file.</summary>
    public RunStore(string path) : this(new LiteDbBackend(path)) { }

    /// <param name="backend">The database; the store owns it and disposes it.</param>
    /// <param name="localPath">
    /// A file path whose folder holds this instance's local files (upload bodies being parsed); the backend's location
    /// when null. A PostgreSQL store has no file of its own, so <see cref="Open"/> passes the configured path.
    /// </param>
    public RunStore(IStorageBackend backend, string? localPath = null)
    {
        Backend = backend;
        Path = localPath ?? backend.Location;
        Uploads = new UploadArchive(backend, PendingFolderOf(Path), LargeWrites);
        backend.RunsChanged += OnBackendRunsChanged;
    }

    /// <summary>
    /// Where received uploads wait to be compressed into the database: <c>&lt;database file&gt;.pending/</c> beside the
    /// file (for PostgreSQL beside the configured local path). Null when the path is not a file in a folder that exists.
    /// </summary>
    internal static string? PendingFolderOf(string? path) =>
        path is { Length: > 0 } && System.IO.Path.IsPathRooted(path) && Directory.Exists(System.IO.Path.GetDirectoryName(path)) ? path + ".pending" : null;

    /// <summary>The store <paramref name="options"/> select; a relative LiteDB path is resolved against <paramref name="contentRoot"/>.</summary>
    public static RunStore Open(StorageOptions options, string contentRoot)
    {
        var path = System.IO.Path.IsPathRooted(options.DatabasePath) ? options.DatabasePath : System.IO.Path.Combine(contentRoot, options.DatabasePath);
        var pyramidCache = options.PyramidCacheBytes();
        var store = options.Provider switch
        {
            StorageProvider.LiteDb => new RunStore(path),
            StorageProvider.Postgres => new RunStore(new PostgresBackend(options.RequireConnectionString()), System.IO.Path.GetFullPath(path)),
            _ => throw new InvalidOperationException($"Storage:Provider '{options.Provider}' is not one of LiteDb, Postgres"),
        };
        store.PyramidCacheLimitBytes = pyramidCache;
        return store;
    }

    /// <summary>The LiteDB file, or for PostgreSQL the configured local path whose folder holds temporary files.</summary>
    public string Path { get; }

    public IStorageBackend Backend { get; }

    public UploadArchive Uploads { get; }

    /// <summary>
    /// One large write at a time (a large import, or compressing an upload's bytes into the database): held by the
    /// import service's lane for large uploads and by the upload archive for each upload it stores.
    /// </summary>
    public SemaphoreSlim LargeWrites { get; } = new(1, 1);

    /// <summary>The LiteDB database behind a LiteDB store (tests look at documents with it); small stores use <see cref="Documents"/>.</summary>
    internal LiteDatabase Database => (Backend as LiteDbBackend)?.Database
        ?? throw new InvalidOperationException("Database is the LiteDB file; this store is " + Backend.Location + ". Use Documents(name).");

    /// <summary>A collection of small documents (settings, sync state, links) that works on every backend.</summary>
    public IDocumentCollection Documents(string collection) => Backend.Documents(collection);

    /// <summary>
    /// Raised after runs are added, changed or deleted, with their ids; pages listening for live updates use it. On a
    /// shared database it is raised for changes made by any instance.
    /// </summary>
    public event Action<IReadOnlyList<string>>? RunsChanged;

    private void OnBackendRunsChanged(IReadOnlyList<string> ids)
    {
        ForgetCachedPyramids(ids);
        RunsChanged?.Invoke(ids);
    }

    public Run? GetRun(string id) => Backend.GetRun(id);

    /// <summary>All runs, newest first, without their events.</summary>
    public IReadOnlyList<Run> ListRuns() => Backend.ListRuns();

    public int CountRuns() => Backend.CountRuns();

    /// <summary>Points of one series, optionally only those with <paramref name="from"/> ≤ step ≤ <paramref name="to"/>.</summary>
    public MetricSeries? GetSeries(string runId, string key, long? from = null, long? to = null)
    {
        var chunks = ReadChunks(runId, key, from, to).ToList();
        if (chunks.Count == 0)
        {
            return GetRun(runId)?.FindMetric(key) is null ? null : new MetricSeries(key, [], [], null);
        }
        var total = chunks.Sum(c => c.Count);
        var steps = new long[total];
        var values = new double[total];
        double[]? times = chunks.Any(c => c.Times is not null) ? new double[total] : null;
        var w = 0;
        foreach (var c in chunks)
        {
            c.Steps.AsSpan(0, c.Count).CopyTo(steps.AsSpan(w));
            c.Values.AsSpan(0, c.Count).CopyTo(values.AsSpan(w));
            if (times is not null)
            {
                if (c.Times is null) times.AsSpan(w, c.Count).Fill(double.NaN);
                else c.Times.AsSpan(0, c.Count).CopyTo(times.AsSpan(w));
            }
            w += c.Count;
        }
        if (from is null && to is null) return new MetricSeries(key, steps, values, times);
        var lo = from is { } f ? LowerBound(steps, f) : 0;
        var hi = to is { } t ? UpperBound(steps, t) : steps.Length;
        return new MetricSeries(key, steps[lo..hi], values[lo..hi], times?[lo..hi]);
    }

    /// <summary>The chunks of a series in order; with a range, only chunks that overlap it.</summary>
    public IEnumerable<SeriesChunk> ReadChunks(string runId, string key, long? from = null, long? to = null) =>
        Backend.ReadChunks(runId, key, from, to).Select(c => c.Chunk);

    /// <summary>The chunks of a series in order, read one at a time: memory stays flat whatever the series' size.</summary>
    public IEnumerable<SeriesChunk> StreamChunks(string runId, string key, long? from = null, long? to = null) => ReadChunks(runId, key, from, to);

    /// <summary>
    /// Starts an import. It is recorded as pending until it commits, so chunks of an import that died half-way
    /// (including a re-import that reuses run ids) are found and removed at the next start.
    /// </summary>
    public StagedImport BeginImport() => new(this, Backend.BeginImport());

    /// <summary>Deletes a run with its series and events.</summary>
    public bool DeleteRun(string id) => Backend.DeleteRun(id);

    /// <summary>
    /// Deletes an upload: its record, its stored bytes, and the runs made from it (with their series and events),
    /// in one transaction. Returns the deleted run ids, or null when there is no such upload.
    /// </summary>
    public IReadOnlyList<string>? DeleteUpload(string uploadId)
    {
        // Bytes still being compressed into the database are deleted once that is done: deleting them from LiteDB's
        // file storage while the archive wrote them left a transaction unreleased in a test run, and the next
        // checkpoint timed out waiting for it. An archive held up longer than this is raced as before.
        if (Uploads.IsPending(uploadId))
        {
            try
            {
                Uploads.WaitForArchive(TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException)
            {
            }
        }
        Uploads.Unpark(uploadId);
        return Backend.DeleteUpload(uploadId);
    }

    /// <summary>Runs mirrored from one W&amp;B project, by W&amp;B run name.</summary>
    public IReadOnlyDictionary<string, Run> WandbRuns(string entity, string project) =>
        Backend.WandbRuns(entity, project).ToDictionary(r => r.Wandb!.Name);

    /// <summary>
    /// Bytes by kind for <c>GET /api/stats</c>. Reads every chunk's length once, so it costs about a full scan of
    /// the series; callers cache it.
    /// </summary>
    public StorageBytes MeasureBytes() => Backend.MeasureBytes();

    public StoreStats Stats() => Backend.Stats();

    /// <summary>
    /// Writes a consistent copy of the database to <paramref name="targetPath"/> (a new LiteDB file) while the
    /// dashboard keeps running. Returns the number of documents copied.
    /// </summary>
    public long ExportTo(string targetPath)
    {
        // A backup holds every upload's bytes: those still waiting beside the file go in first.
        Uploads.WaitForArchive();
        return Backend.ExportTo(targetPath);
    }

    /// <summary>The sequence number a new chunk of a stored series gets: after the last stored one.</summary>
    internal int NextSequence(string runId, string key) => Backend.NextSequence(runId, key);

    /// <summary>Makes staged runs visible, with their upload records, in one transaction.</summary>
    internal void Commit(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds)
    {
        ForgetCachedPyramids(runs.Select(r => r.Id).Concat(replacedRunIds));
        Backend.Commit(importId, runs, uploads, replacedRunIds);
    }

    private static int LowerBound(long[] steps, long value)
    {
        var i = Array.BinarySearch(steps, value);
        if (i < 0) return ~i;
        while (i > 0 && steps[i - 1] == value) i--;
        return i;
    }

    private static int UpperBound(long[] steps, long value)
    {
        var i = Array.BinarySearch(steps, value);
        if (i < 0) return ~i;
        while (i < steps.Length - 1 && steps[i + 1] == value) i++;
        return i + 1;
    }

    private bool _disposed;

    /// <summary>Closes the store; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Backend.RunsChanged -= OnBackendRunsChanged;
        Uploads.Dispose();
        Backend.Dispose();
    }
}

using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// What a database must do for <see cref="RunStore"/>. RunStore stays the one façade services and pages use (its
/// public API did not change when PostgreSQL arrived); everything above the rows — assembling series from chunks,
/// bucketed reads through pyramids, staging an import's chunks on a writer thread — lives in RunStore and is shared.
/// A backend only stores and finds rows: runs with their events, series chunks (encoded by <see cref="ChunkBlobs"/>),
/// pyramids, upload records and bytes, and small documents (<see cref="Documents"/>).
/// <para>
/// The import contract: <see cref="BeginImport"/> records a pending import; chunks inserted under it are not part of
/// any visible run until <see cref="Commit"/> publishes the runs, upload records and the end of the pending record in
/// one transaction. Pending imports left by a process that died are removed when a backend opens.
/// </para>
/// </summary>
public interface IStorageBackend : IDisposable
{
    /// <summary>Where the data lives, for logs and the stats endpoint: a file path or <c>host/database</c>.</summary>
    string Location { get; }

    /// <summary>
    /// Raised after runs are added, changed or deleted, with their ids. A shared database raises it for changes any
    /// instance made, not only this one.
    /// </summary>
    event Action<IReadOnlyList<string>>? RunsChanged;

    // Runs

    /// <summary>The run with its events, or null.</summary>
    Run? GetRun(string id);

    /// <summary>All runs, newest first, without their events.</summary>
    IReadOnlyList<Run> ListRuns();

    int CountRuns();

    /// <summary>Runs mirrored from one W&amp;B project.</summary>
    IReadOnlyList<Run> WandbRuns(string entity, string project);

    /// <summary>Deletes a run with its series, events and pyramids in one transaction; false when there was none.</summary>
    bool DeleteRun(string id);

    /// <summary>
    /// Deletes an upload (record and bytes) and the runs made only from it, in one transaction. Returns the deleted
    /// run ids, or null when there is no such upload.
    /// </summary>
    IReadOnlyList<string>? DeleteUpload(string uploadId);

    // Series chunks

    /// <summary>Chunks of one series in sequence order; with a range, only those overlapping it.</summary>
    IEnumerable<StoredChunk> ReadChunks(string runId, string key, long? from = null, long? to = null);

    /// <summary>One chunk by id (what a pyramid points to); null when it is gone.</summary>
    SeriesChunk? ReadChunk(ObjectId id, string key);

    /// <summary>The sequence number after the last stored chunk of the series (0 for a new one).</summary>
    int NextSequence(string runId, string key);

    // Staged imports

    /// <summary>Records a pending import and returns its id.</summary>
    string BeginImport();

    /// <summary>Inserts encoded chunks of a pending import, in one transaction.</summary>
    void InsertChunks(string importId, IReadOnlyList<EncodedChunk> chunks);

    void MoveChunks(string importId, string fromRunId, string toRunId, string key);

    void DeleteChunks(string importId, string runId, string key);

    void DeleteChunksFrom(string importId, string runId, string key, int fromSequence);

    void DeleteChunksOf(string importId, IEnumerable<string> runIds);

    /// <summary>An aborted import: its pending record goes (its chunks were deleted first).</summary>
    void ForgetPending(string importId);

    /// <summary>
    /// Publishes staged runs with their upload records in one transaction: replaced runs lose their old chunks (not
    /// the ones this import staged under the same id), the runs' pyramids are dropped, the pending record ends.
    /// Raises <see cref="RunsChanged"/> afterwards.
    /// </summary>
    void Commit(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds);

    // Pyramids

    /// <summary>The stored pyramid of a series (stamp and bytes), or null.</summary>
    (string Stamp, byte[] Bytes)? GetPyramid(string runId, string key);

    /// <summary>Saves pyramids in one transaction (an import's series at its commit: one disk flush, not one each).</summary>
    void SavePyramids(IReadOnlyList<SavedPyramid> pyramids);

    // Uploads

    UploadRecord? GetUpload(string id);

    /// <summary>Every upload record with this content hash.</summary>
    IReadOnlyList<UploadRecord> UploadsBySha256(string sha256);

    IReadOnlyList<UploadRecord> ListUploads();

    /// <summary>Stores an upload's bytes, deflate-compressed, streaming (never the whole upload in memory); returns the bytes read.</summary>
    long StoreUploadBytes(string uploadId, string fileName, Stream content);

    /// <summary>The stored bytes, decompressed, as a stream that reads them piece by piece.</summary>
    Stream OpenUploadBytes(string uploadId);

    bool HasUploadBytes(string uploadId);

    /// <summary>Deletes an upload's record and bytes (its runs stay).</summary>
    void DeleteUploadRecord(string uploadId);

    /// <summary>Records the SHA-256 of an upload whose hash was computed after its answer (when its bytes were archived).</summary>
    void SetUploadSha256(string uploadId, string sha256);

    // Small documents: settings, sync state, links, hints

    /// <summary>
    /// A named collection of small documents keyed by a string <c>_id</c>, the same on every backend: what stores like
    /// <c>WandbProjectStore</c>, <c>ShortLinks</c> and reading hints keep. The documents are LiteDB
    /// <see cref="BsonDocument"/>s because existing LiteDB files already hold these collections in that shape.
    /// </summary>
    IDocumentCollection Documents(string collection);

    // Maintenance

    StorageBytes MeasureBytes();

    /// <summary>Rows by kind, for consistency checks (crash tests, a migration's verification).</summary>
    StorageRowCounts CountRows();

    StoreStats Stats();

    /// <summary>A consistent copy into a new LiteDB file; returns the documents copied.</summary>
    long ExportTo(string targetPath);
}

/// <summary>A series' pyramid as stored: the stamp of the series it describes and its bytes.</summary>
public sealed record SavedPyramid(string RunId, string Key, string Stamp, byte[] Bytes);

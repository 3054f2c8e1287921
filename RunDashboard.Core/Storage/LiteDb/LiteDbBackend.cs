using LiteDB;
using LiteDB.Engine;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>
/// The embedded default: runs, their series in chunks, their events, and the raw uploads, in one LiteDB file.
/// An import's chunks are written first under run ids nobody can see yet; the runs become visible in one
/// transaction at commit, and an aborted (or crashed) import leaves only orphan chunks that are removed at open.
/// </summary>
public sealed partial class LiteDbBackend : IStorageBackend
{
    internal const string RunsCollection = "runs";
    internal const string ChunksCollection = "chunks";
    internal const string EventsCollection = "run_events";
    internal const string PendingCollection = "pending_imports";
    internal const string PyramidsCollection = "series_pyramids";
    internal const string UploadsCollection = "uploads";

    private readonly LiteDatabase _db;
    private readonly LogFileStream _log;
    private readonly ILiteCollection<Run> _runs;
    private readonly ILiteCollection<BsonDocument> _chunks;
    private readonly ILiteCollection<BsonDocument> _events;
    private readonly ILiteCollection<BsonDocument> _pending;
    private readonly ILiteCollection<BsonDocument> _pyramids;
    private readonly ILiteCollection<UploadRecord> _uploads;

    /// <summary>
    /// Held while a transaction that spans collections commits (import, delete) and while an export takes its
    /// snapshots, so an export sees each such change whole or not at all. LiteDB snapshots are per collection.
    /// </summary>
    private readonly object _commitGate = new();

    public LiteDbBackend(string path)
    {
        Location = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(Location);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        SetAsideOrphanLog(Location);
        var mapper = new BsonMapper { SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.Entity<Run>().Id(r => r.Id, autoId: false).Ignore(r => r.Events).Ignore(r => r.Steps);
        mapper.Entity<UploadRecord>().Id(u => u.Id, autoId: false);
        _log = new LogFileStream(LogPath(Location));
        try
        {
            _db = new LiteDatabase(new LiteEngine(new EngineSettings { Filename = Location, LogStream = _log }), mapper);
        }
        catch
        {
            _log.Dispose();
            throw;
        }
        _runs = _db.GetCollection<Run>(RunsCollection);
        _chunks = _db.GetCollection(ChunksCollection);
        _events = _db.GetCollection(EventsCollection);
        _pending = _db.GetCollection(PendingCollection);
        _pyramids = _db.GetCollection(PyramidsCollection);
        _uploads = _db.GetCollection<UploadRecord>(UploadsCollection);
        _runs.EnsureIndex(r => r.CreatedAt);
        _chunks.EnsureIndex("SeriesId", "$.SeriesId");
        _chunks.EnsureIndex("RunId", "$.RunId");
        _uploads.EnsureIndex(u => u.Sha256);
        RemoveUnfinishedImports();
        RemoveOrphans();
    }

    public string Location { get; }

    /// <summary>The LiteDB database itself, for tests that look at documents directly.</summary>
    internal LiteDatabase Database => _db;

    public event Action<IReadOnlyList<string>>? RunsChanged;

    public Run? GetRun(string id)
    {
        var run = _runs.FindById(id);
        if (run is null) return null;
        var events = _events.FindById(id);
        if (events is not null) run.Events = events["Events"].AsArray.Select(ToEvent).ToList();
        return run;
    }

    public IReadOnlyList<Run> ListRuns() => _runs.FindAll().OrderByDescending(r => r.CreatedAt).ToList();

    public int CountRuns() => _runs.Count();

    public IReadOnlyList<Run> WandbRuns(string entity, string project) =>
        _runs.Find(Query.EQ("Source", RunSource.Wandb.ToString())).Where(r => r.Wandb is { } w && w.Entity == entity && w.Project == project).ToList();

    public bool DeleteRun(string id)
    {
        bool existed;
        lock (_commitGate)
        {
            existed = InTransaction(() => DeleteRunInTransaction(id));
        }
        if (existed) MakeDurable();
        if (existed) RunsChanged?.Invoke([id]);
        return existed;
    }

    public IReadOnlyList<string>? DeleteUpload(string uploadId)
    {
        List<string> runIds;
        lock (_commitGate)
        {
            var record = _uploads.FindById(uploadId);
            if (record is null) return null;
            runIds = record.RunIds.Where(id => _runs.FindById(id) is { } run && run.UploadIds.Contains(uploadId)).ToList();
            InTransaction(() =>
            {
                foreach (var id in runIds) DeleteRunInTransaction(id);
                DeleteUploadRecord(uploadId);
                return true;
            });
        }
        MakeDurable();
        if (runIds.Count > 0) RunsChanged?.Invoke(runIds);
        return runIds;
    }

    /// <summary>
    /// A LiteDB commit returns once its pages are queued for the file, not written: while another thread writes a
    /// large transaction (an upload's bytes being archived), a commit can wait in that queue, and a process killed
    /// then loses it although the caller was told it was done. A checkpoint waits for the queue and moves the log
    /// into the file, so what the dashboard answered as done survives a kill.
    /// </summary>
    private void MakeDurable() => _db.Checkpoint();

    private bool DeleteRunInTransaction(string id)
    {
        var existed = _runs.Delete(id);
        _chunks.DeleteMany(Query.EQ("RunId", id));
        _events.Delete(id);
        _pyramids.DeleteMany(Query.EQ("RunId", id));
        return existed;
    }

    private T InTransaction<T>(Func<T> work)
    {
        _db.BeginTrans();
        try
        {
            var result = work();
            _db.Commit();
            return result;
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

    public IEnumerable<StoredChunk> ReadChunks(string runId, string key, long? from = null, long? to = null)
    {
        // Ids and ranges first, then one document at a time: memory stays flat whatever the series' size.
        var ids = _chunks.Query().Where(Query.EQ("SeriesId", SeriesId(runId, key)))
            .Select(BsonExpression.Create("{ id: $._id, seq: $.Seq, first: $.FirstStep, last: $.LastStep }")).ToDocuments()
            .Where(d => (from is null || d["last"].AsInt64 >= from) && (to is null || d["first"].AsInt64 <= to))
            .OrderBy(d => d["seq"].AsInt32).Select(d => d["id"]).ToList();
        foreach (var id in ids)
        {
            var d = _chunks.FindById(id);
            if (d is null) continue;
            yield return new StoredChunk(id.AsObjectId, ChunkDocument.Read(key, d));
        }
    }

    public SeriesChunk? ReadChunk(ObjectId id, string key) => _chunks.FindById(id) is { } d ? ChunkDocument.Read(key, d) : null;

    public int NextSequence(string runId, string key) =>
        _chunks.Find(Query.EQ("SeriesId", SeriesId(runId, key))).Select(d => d["Seq"].AsInt32).DefaultIfEmpty(-1).Max() + 1;

    public string BeginImport()
    {
        var id = ObjectId.NewObjectId().ToString();
        _pending.Insert(new BsonDocument { ["_id"] = id, ["StartedAt"] = DateTime.UtcNow });
        return id;
    }

    public void InsertChunks(string importId, IReadOnlyList<EncodedChunk> chunks)
    {
        var docs = chunks.Select(c => ChunkDocument.Create(importId, SeriesId(c.RunId, c.Key), c)).ToList();
        _chunks.InsertBulk(docs, docs.Count);
    }

    public void MoveChunks(string importId, string fromRunId, string toRunId, string key)
    {
        foreach (var doc in _chunks.Find(Query.And(Query.EQ("SeriesId", SeriesId(fromRunId, key)), Query.EQ("Import", importId))).ToList())
        {
            doc["RunId"] = toRunId;
            doc["SeriesId"] = SeriesId(toRunId, key);
            _chunks.Update(doc);
        }
    }

    public void DeleteChunks(string importId, string runId, string key) =>
        _chunks.DeleteMany(Query.And(Query.EQ("SeriesId", SeriesId(runId, key)), Query.EQ("Import", importId)));

    public void DeleteChunksFrom(string importId, string runId, string key, int fromSequence) =>
        _chunks.DeleteMany(Query.And(Query.EQ("SeriesId", SeriesId(runId, key)), Query.EQ("Import", importId), Query.GTE("Seq", fromSequence)));

    public void DeleteChunksOf(string importId, IEnumerable<string> runIds)
    {
        foreach (var id in runIds) _chunks.DeleteMany(Query.And(Query.EQ("RunId", id), Query.EQ("Import", importId)));
    }

    public void ForgetPending(string importId) => _pending.Delete(importId);

    public void Commit(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds)
    {
        lock (_commitGate)
        {
            InTransaction(() =>
            {
                foreach (var old in replacedRunIds)
                {
                    _runs.Delete(old);
                    _events.Delete(old);
                    // Only the old points: a re-import may have staged new ones under the same run id.
                    _chunks.DeleteMany(Query.And(Query.EQ("RunId", old), Query.Not("Import", importId)));
                }
                foreach (var run in runs)
                {
                    _runs.Upsert(run);
                    _events.Upsert(new BsonDocument
                    {
                        ["_id"] = run.Id,
                        ["Events"] = new BsonArray(run.Events.Select(FromEvent)),
                    });
                }
                foreach (var upload in uploads) _uploads.Upsert(upload);
                foreach (var id in runs.Select(r => r.Id).Concat(replacedRunIds)) _pyramids.DeleteMany(Query.EQ("RunId", id));
                _pending.Delete(importId);
                return true;
            });
        }
        MakeDurable();
        RunsChanged?.Invoke(runs.Select(r => r.Id).Concat(replacedRunIds).Distinct().ToList());
    }

    public (string Stamp, byte[] Bytes)? GetPyramid(string runId, string key) =>
        _pyramids.FindById(SeriesId(runId, key)) is { } d ? (d["Stamp"].AsString, d["Chunks"].AsBinary) : null;

    public void SavePyramids(IReadOnlyList<SavedPyramid> pyramids) =>
        InTransaction(() =>
        {
            foreach (var p in pyramids)
            {
                _pyramids.Upsert(new BsonDocument
                {
                    ["_id"] = SeriesId(p.RunId, p.Key),
                    ["RunId"] = p.RunId,
                    ["Stamp"] = p.Stamp,
                    ["Chunks"] = p.Bytes,
                });
            }
            return true;
        });

    public IDocumentCollection Documents(string collection) => new LiteDbDocuments(_db.GetCollection(collection));

    internal static string SeriesId(string runId, string key) => runId + "\n" + key;

    /// <summary>
    /// LiteDB replays <c>name-log.db</c> into <c>name.db</c> on open. A log left over from a deleted database would
    /// be replayed into a new, empty file and corrupt it ("page type must be collection page"), so it is moved aside.
    /// </summary>
    private static void SetAsideOrphanLog(string path)
    {
        var log = LogPath(path);
        if (File.Exists(path) || !File.Exists(log)) return;
        File.Move(log, log + $".orphan-{DateTime.UtcNow:yyyyMMddHHmmss}", overwrite: true);
    }

    private static string LogPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    private void RemoveUnfinishedImports()
    {
        foreach (var pending in _pending.FindAll().ToList())
        {
            _chunks.DeleteMany(Query.EQ("Import", pending["_id"].AsString));
            _pending.Delete(pending["_id"]);
        }
    }

    /// <summary>Chunks whose run never committed (an import that crashed) are garbage.</summary>
    private void RemoveOrphans()
    {
        var known = _runs.Query().Select(r => r.Id).ToEnumerable().ToHashSet();
        var orphanRuns = _chunks.Query().Select(BsonExpression.Create("{ RunId: $.RunId }")).ToDocuments()
            .Select(d => d["RunId"].AsString).Where(id => !known.Contains(id)).Distinct().ToList();
        foreach (var id in orphanRuns) _chunks.DeleteMany(Query.EQ("RunId", id));
    }

    private static BsonValue FromEvent(RunEvent e) => new BsonDocument
    {
        ["Step"] = e.Step,
        ["Kind"] = e.Kind,
        ["Message"] = e.Message,
        ["Line"] = e.Line,
    };

    private static RunEvent ToEvent(BsonValue v) =>
        new(v["Step"].AsInt64, v["Kind"].AsString, v["Message"].AsString, v["Line"].AsInt32);

    public void Dispose()
    {
        _db.Dispose();
        // LiteDB deletes an empty log file it opened itself; this one it was given, so it leaves it.
        var empty = _log.Length == 0;
        _log.Dispose();
        if (empty) File.Delete(_log.Path);
    }
}

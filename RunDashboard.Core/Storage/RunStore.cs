using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The dashboard's cache: runs, their series in chunks, their events, and the raw uploads, in one LiteDB file.
/// An import's chunks are written first under run ids nobody can see yet; the runs become visible in one
/// transaction at commit, and an aborted (or crashed) import leaves only orphan chunks that are removed.
/// </summary>
public sealed partial class RunStore : IDisposable
{
    internal const string RunsCollection = "runs";
    internal const string ChunksCollection = "chunks";
    internal const string EventsCollection = "run_events";
    internal const string PendingCollection = "pending_imports";

    private readonly LiteDatabase _db;
    private readonly ILiteCollection<Run> _runs;
    private readonly ILiteCollection<BsonDocument> _chunks;
    private readonly ILiteCollection<BsonDocument> _events;
    private readonly ILiteCollection<BsonDocument> _pending;

    public RunStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        SetAsideOrphanLog(Path);
        var mapper = new BsonMapper { SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.Entity<Run>().Id(r => r.Id, autoId: false).Ignore(r => r.Events).Ignore(r => r.Steps);
        mapper.Entity<UploadRecord>().Id(u => u.Id, autoId: false);
        _db = new LiteDatabase(new ConnectionString { Filename = Path, Connection = ConnectionType.Direct }, mapper);
        _runs = _db.GetCollection<Run>(RunsCollection);
        _chunks = _db.GetCollection(ChunksCollection);
        _events = _db.GetCollection(EventsCollection);
        _pending = _db.GetCollection(PendingCollection);
        _runs.EnsureIndex(r => r.CreatedAt);
        _chunks.EnsureIndex("SeriesId", "$.SeriesId");
        _chunks.EnsureIndex("RunId", "$.RunId");
        Uploads = new UploadArchive(_db);
        RemoveUnfinishedImports();
        RemoveOrphans();
    }

    public string Path { get; }
    public UploadArchive Uploads { get; }
    internal LiteDatabase Database => _db;

    /// <summary>Raised after runs are added or changed, with their ids; pages listening for live updates use it.</summary>
    public event Action<IReadOnlyList<string>>? RunsChanged;

    public Run? GetRun(string id)
    {
        var run = _runs.FindById(id);
        if (run is null) return null;
        var events = _events.FindById(id);
        if (events is not null) run.Events = events["Events"].AsArray.Select(ToEvent).ToList();
        return run;
    }

    /// <summary>All runs, newest first, without their events.</summary>
    public IReadOnlyList<Run> ListRuns() => _runs.FindAll().OrderByDescending(r => r.CreatedAt).ToList();

    public int CountRuns() => _runs.Count();

    /// <summary>Points of one series, optionally only those with <paramref name="from"/> ≤ step ≤ <paramref name="to"/>.</summary>
    public MetricSeries? GetSeries(string runId, string key, long? from = null, long? to = null)
    {
        var chunks = ReadChunks(runId, key, from, to).ToList();
        if (chunks.Count == 0)
        {
            return _runs.FindById(runId)?.FindMetric(key) is null ? null : new MetricSeries(key, [], [], null);
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
    public IEnumerable<SeriesChunk> ReadChunks(string runId, string key, long? from = null, long? to = null)
    {
        var docs = _chunks.Find(Query.EQ("SeriesId", SeriesId(runId, key)))
            .Where(d => (from is null || d["LastStep"].AsInt64 >= from) && (to is null || d["FirstStep"].AsInt64 <= to))
            .OrderBy(d => d["Seq"].AsInt32);
        foreach (var d in docs) yield return ChunkDocument.Read(key, d);
    }

    /// <summary>
    /// Starts an import. It is recorded as pending until it commits, so chunks of an import that died half-way
    /// (including a re-import that reuses run ids) are found and removed at the next start.
    /// </summary>
    public StagedImport BeginImport()
    {
        var id = ObjectId.NewObjectId().ToString();
        _pending.Insert(new BsonDocument { ["_id"] = id, ["StartedAt"] = DateTime.UtcNow });
        return new StagedImport(this, id);
    }

    /// <summary>Deletes a run with its series and events.</summary>
    public bool DeleteRun(string id)
    {
        bool existed;
        lock (_commitGate)
        {
            _db.BeginTrans();
            try
            {
                existed = DeleteRunInTransaction(id);
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
        if (existed) RunsChanged?.Invoke([id]);
        return existed;
    }

    private bool DeleteRunInTransaction(string id)
    {
        var existed = _runs.Delete(id);
        _chunks.DeleteMany(Query.EQ("RunId", id));
        _events.Delete(id);
        return existed;
    }

    /// <summary>Runs mirrored from one W&amp;B project, by W&amp;B run name.</summary>
    public IReadOnlyDictionary<string, Run> WandbRuns(string entity, string project) =>
        _runs.Find(Query.EQ("Source", RunSource.Wandb.ToString())).Where(r => r.Wandb is { } w && w.Entity == entity && w.Project == project)
            .ToDictionary(r => r.Wandb!.Name);

    /// <summary>The sequence number a new chunk of a stored series gets: after the last stored one.</summary>
    internal int NextSequence(string runId, string key)
    {
        var last = _chunks.Find(Query.EQ("SeriesId", SeriesId(runId, key))).Select(d => d["Seq"].AsInt32).DefaultIfEmpty(-1).Max();
        return last + 1;
    }

    internal void InsertChunks(IReadOnlyList<BsonDocument> docs) => _chunks.InsertBulk(docs, docs.Count);

    internal void MoveChunks(string importId, string fromRunId, string toRunId, string key)
    {
        foreach (var doc in _chunks.Find(Query.And(Query.EQ("SeriesId", SeriesId(fromRunId, key)), Query.EQ("Import", importId))).ToList())
        {
            doc["RunId"] = toRunId;
            doc["SeriesId"] = SeriesId(toRunId, key);
            _chunks.Update(doc);
        }
    }

    internal void DeleteChunks(string importId, string runId, string key) =>
        _chunks.DeleteMany(Query.And(Query.EQ("SeriesId", SeriesId(runId, key)), Query.EQ("Import", importId)));

    internal void DeleteChunksFrom(string importId, string runId, string key, int fromSequence) =>
        _chunks.DeleteMany(Query.And(Query.EQ("SeriesId", SeriesId(runId, key)), Query.EQ("Import", importId), Query.GTE("Seq", fromSequence)));

    internal void DeleteChunksOf(string importId, IEnumerable<string> runIds)
    {
        foreach (var id in runIds) _chunks.DeleteMany(Query.And(Query.EQ("RunId", id), Query.EQ("Import", importId)));
    }

    internal void ForgetPending(string importId) => _pending.Delete(importId);

    /// <summary>Makes staged runs visible, with their upload records, in one transaction.</summary>
    internal void Commit(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds)
    {
        lock (_commitGate) CommitLocked(importId, runs, uploads, replacedRunIds);
        RunsChanged?.Invoke(runs.Select(r => r.Id).Concat(replacedRunIds).ToList());
    }

    private void CommitLocked(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds)
    {
        _db.BeginTrans();
        try
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
            foreach (var upload in uploads) Uploads.Save(upload);
            ForgetPyramids(runs.Select(r => r.Id).Concat(replacedRunIds));
            _pending.Delete(importId);
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

    internal static BsonDocument ToDocument(string importId, string runId, SeriesChunk chunk) =>
        ChunkDocument.Create(importId, runId, SeriesId(runId, chunk.Key), chunk);

    private static string SeriesId(string runId, string key) => runId + "\n" + key;

    /// <summary>
    /// LiteDB replays <c>name-log.db</c> into <c>name.db</c> on open. A log left over from a deleted database would
    /// be replayed into a new, empty file and corrupt it ("page type must be collection page"), so it is moved aside.
    /// </summary>
    private static void SetAsideOrphanLog(string path)
    {
        var log = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "", System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));
        if (File.Exists(path) || !File.Exists(log)) return;
        File.Move(log, log + $".orphan-{DateTime.UtcNow:yyyyMMddHHmmss}", overwrite: true);
    }

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

    public void Dispose() => _db.Dispose();
}

using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>Deleting, counting and exporting: what keeps the one database file in check.</summary>
public sealed partial class RunStore
{
    /// <summary>
    /// Held while a transaction that spans collections commits (import, delete) and while an export takes its
    /// snapshots, so an export sees each such change whole or not at all. LiteDB snapshots are per collection.
    /// </summary>
    private readonly object _commitGate = new();

    /// <summary>
    /// Deletes an upload: its record, its stored bytes, and the runs made from it (with their series and events),
    /// in one transaction. Returns the deleted run ids, or null when there is no such upload.
    /// </summary>
    public IReadOnlyList<string>? DeleteUpload(string uploadId)
    {
        List<string> runIds;
        lock (_commitGate)
        {
            var record = Uploads.Get(uploadId);
            if (record is null) return null;
            runIds = record.RunIds.Where(id => _runs.FindById(id) is { } run && run.UploadIds.Contains(uploadId)).ToList();
            _db.BeginTrans();
            try
            {
                foreach (var id in runIds) DeleteRunInTransaction(id);
                Uploads.Delete(uploadId);
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
        }
        if (runIds.Count > 0) RunsChanged?.Invoke(runIds);
        return runIds;
    }

    /// <summary>The chunks of a series in order, read one document at a time: memory stays flat whatever the series' size.</summary>
    public IEnumerable<SeriesChunk> StreamChunks(string runId, string key, long? from = null, long? to = null)
    {
        var ids = _chunks.Query().Where(Query.EQ("SeriesId", SeriesId(runId, key)))
            .Select(BsonExpression.Create("{ id: $._id, seq: $.Seq, first: $.FirstStep, last: $.LastStep }")).ToDocuments()
            .Where(d => (from is null || d["last"].AsInt64 >= from) && (to is null || d["first"].AsInt64 <= to))
            .OrderBy(d => d["seq"].AsInt32).Select(d => d["id"]).ToList();
        foreach (var id in ids)
        {
            var d = _chunks.FindById(id);
            if (d is null) continue;
            // One decoder for every chunk format (the first one and the compact codec).
            yield return ChunkDocument.Read(key, d);
        }
    }

    public StoreStats Stats()
    {
        var runs = _runs.FindAll().ToList();
        // Encoded series bytes, whatever the chunk format (see MeasureBytes).
        var measured = MeasureBytes();
        var chunks = (int)measured.Chunks;
        var chunkBytes = measured.SeriesBytes;
        var uploads = Uploads.List();
        var stored = _db.FileStorage.FindAll().Sum(f => f.Length);
        var log = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path) ?? "", System.IO.Path.GetFileNameWithoutExtension(Path) + "-log" + System.IO.Path.GetExtension(Path));
        return new StoreStats(
            runs.Count, runs.Sum(r => r.Metrics.Sum(m => m.Count)), chunks, chunkBytes,
            uploads.Count, uploads.Count(u => u.Status == UploadRecord.Rejected), uploads.Sum(u => u.Size), stored,
            new FileInfo(Path).Length, File.Exists(log) ? new FileInfo(log).Length : 0);
    }

    /// <summary>
    /// Writes a consistent copy of the database to <paramref name="targetPath"/> (a new LiteDB file) while the
    /// dashboard keeps running: every collection is read from snapshots taken together, so an import or delete
    /// committing meanwhile is in the copy whole or not at all. Returns the number of documents copied.
    /// </summary>
    public long ExportTo(string targetPath)
    {
        // LiteDB transactions belong to the thread; the whole export runs on the caller's thread.
        long copied = 0;
        using var target = new LiteDatabase(new ConnectionString { Filename = targetPath, Connection = ConnectionType.Direct });
        _db.BeginTrans();
        try
        {
            List<string> names;
            List<BsonDocument> indexes;
            lock (_commitGate)
            {
                names = _db.GetCollectionNames().ToList();
                // Touching each collection inside the transaction creates its snapshot now, all under the gate.
                foreach (var name in names) _db.GetCollection(name).Query().Limit(1).ToDocuments().ToList();
                indexes = _db.GetCollection("$indexes").Query().ToDocuments().ToList();
            }
            foreach (var name in names)
            {
                var into = target.GetCollection(name);
                var batch = new List<BsonDocument>(64);
                foreach (var doc in _db.GetCollection(name).Query().ToDocuments())
                {
                    batch.Add(doc);
                    if (batch.Count == 64)
                    {
                        into.InsertBulk(batch);
                        copied += batch.Count;
                        batch.Clear();
                    }
                }
                if (batch.Count > 0) into.InsertBulk(batch);
                copied += batch.Count;
            }
            foreach (var index in indexes.Where(i => i["name"].AsString != "_id"))
            {
                target.GetCollection(index["collection"].AsString).EnsureIndex(index["name"].AsString, index["expression"].AsString, index["unique"].AsBoolean);
            }
        }
        finally
        {
            _db.Rollback();
        }
        target.Checkpoint();
        return copied;
    }
}

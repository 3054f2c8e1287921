using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>Counting, measuring and exporting: what keeps the one database file in check.</summary>
public sealed partial class LiteDbBackend
{
    /// <summary>
    /// Bytes by kind. Reads every chunk document once (their blobs' lengths), so it costs about a full scan of the
    /// series; callers cache it.
    /// </summary>
    public StorageBytes MeasureBytes()
    {
        long series = 0, points = 0, chunks = 0;
        foreach (var d in _chunks.FindAll())
        {
            chunks++;
            points += d["Count"].AsInt32;
            foreach (var field in new[] { "Steps", "Values", "Times" })
            {
                if (d[field].IsBinary) series += d[field].AsBinary.Length;
            }
        }
        long pyramids = 0;
        foreach (var d in _pyramids.FindAll()) pyramids += d["Chunks"].AsBinary.Length;
        // LiteDB file storage keeps each file's stored length in its _files entry; uploads are stored deflated.
        long raw = _db.FileStorage.FindAll().Sum(f => f.Length);
        _db.Checkpoint();
        var file = new FileInfo(Location).Length;
        return new StorageBytes(file, series, pyramids, raw, Math.Max(0, file - series - pyramids - raw), points, chunks);
    }

    public StorageRowCounts CountRows() => new(_runs.LongCount(), _chunks.LongCount(), _pyramids.LongCount(), _pending.LongCount(), _uploads.LongCount());

    public StoreStats Stats()
    {
        var runs = _runs.FindAll().ToList();
        var measured = MeasureBytes();
        var uploads = ListUploads();
        var stored = _db.FileStorage.FindAll().Sum(f => f.Length);
        var log = LogPath(Location);
        return new StoreStats(
            runs.Count, runs.Sum(r => r.Metrics.Sum(m => m.Count)), (int)measured.Chunks, measured.SeriesBytes,
            uploads.Count, uploads.Count(u => u.Status == UploadRecord.Rejected), uploads.Sum(u => u.Size), stored,
            new FileInfo(Location).Length, LengthOrZero(log));
    }

    /// <summary>The log file comes and goes with checkpoints: gone between a look and a read, it holds nothing.</summary>
    private static long LengthOrZero(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
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

using LiteDB;

namespace RunDashboard.Core.Storage;

public sealed partial class RunStore
{
    /// <summary>
    /// Bytes by kind for <c>GET /api/stats</c>. Reads every chunk document once (their blobs' lengths), so it costs
    /// about a full scan of the series; callers cache it.
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
        foreach (var d in _db.GetCollection(PyramidsCollection).FindAll()) pyramids += d["Chunks"].AsBinary.Length;
        // LiteDB file storage keeps each file's stored length in its _files entry; uploads are stored deflated.
        long raw = _db.FileStorage.FindAll().Sum(f => f.Length);
        _db.Checkpoint();
        var file = new FileInfo(Path).Length;
        return new StorageBytes(file, series, pyramids, raw, Math.Max(0, file - series - pyramids - raw), points, chunks);
    }
}

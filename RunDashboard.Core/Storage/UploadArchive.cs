using System.IO.Compression;
using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>Raw uploaded bytes (LiteDB file storage) and their records, found again by id or content hash.</summary>
public sealed class UploadArchive
{
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<UploadRecord> _records;

    internal UploadArchive(LiteDatabase db)
    {
        _db = db;
        _records = db.GetCollection<UploadRecord>("uploads");
        _records.EnsureIndex(u => u.Sha256);
    }

    public UploadRecord? Get(string id) => _records.FindById(id);

    public UploadRecord? FindBySha256(string sha256) =>
        _records.Find(u => u.Sha256 == sha256).OrderByDescending(u => u.Status == UploadRecord.Imported).FirstOrDefault();

    public IReadOnlyList<UploadRecord> List() => _records.FindAll().OrderBy(u => u.UploadedAt).ToList();

    /// <summary>Input bytes per transaction: large enough to avoid a disk flush per 255 KB chunk, small enough
    /// that LiteDB does not hold a gigabyte of dirty pages in memory.</summary>
    private const int BytesPerTransaction = 16 * 1024 * 1024;

    /// <summary>
    /// Stores the bytes of an upload, deflate-compressed (logs shrink 5–10×); the record is saved with the
    /// import's commit. Returns the number of bytes read.
    /// </summary>
    public long StoreBytes(string uploadId, string fileName, Stream content)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        long sinceCommit = 0;
        _db.BeginTrans();
        try
        {
            using (var target = _db.FileStorage.OpenWrite(FileId(uploadId), Path.GetFileName(fileName), new BsonDocument { ["compression"] = "deflate" }))
            using (var deflate = new DeflateStream(target, CompressionLevel.Fastest, leaveOpen: true))
            {
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    deflate.Write(buffer, 0, read);
                    total += read;
                    sinceCommit += read;
                    if (sinceCommit >= BytesPerTransaction)
                    {
                        _db.Commit();
                        _db.BeginTrans();
                        sinceCommit = 0;
                    }
                }
            }
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }
        return total;
    }

    public Stream OpenBytes(string uploadId)
    {
        var file = _db.FileStorage.OpenRead(FileId(uploadId));
        return file.FileInfo.Metadata["compression"] == "deflate" ? new DeflateStream(file, CompressionMode.Decompress) : file;
    }

    public bool HasBytes(string uploadId) => _db.FileStorage.Exists(FileId(uploadId));

    internal void Save(UploadRecord record) => _records.Upsert(record);

    public void Delete(string uploadId)
    {
        _records.Delete(uploadId);
        _db.FileStorage.Delete(FileId(uploadId));
    }

    private static string FileId(string uploadId) => "uploads/" + uploadId;
}

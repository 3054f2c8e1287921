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

    /// <summary>Stores the bytes of an upload; the record is saved with the import's commit.</summary>
    public void StoreBytes(string uploadId, string fileName, Stream content)
    {
        _db.FileStorage.Upload(FileId(uploadId), Path.GetFileName(fileName), content);
    }

    public Stream OpenBytes(string uploadId) => _db.FileStorage.OpenRead(FileId(uploadId));

    public bool HasBytes(string uploadId) => _db.FileStorage.Exists(FileId(uploadId));

    internal void Save(UploadRecord record) => _records.Upsert(record);

    public void Delete(string uploadId)
    {
        _records.Delete(uploadId);
        _db.FileStorage.Delete(FileId(uploadId));
    }

    private static string FileId(string uploadId) => "uploads/" + uploadId;
}

using System.IO.Compression;
using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>Upload records (collection <c>uploads</c>) and their raw bytes (LiteDB file storage, deflated).</summary>
public sealed partial class LiteDbBackend
{
    /// <summary>Input bytes per transaction: large enough to avoid a disk flush per 255 KB chunk, small enough
    /// that LiteDB does not hold a gigabyte of dirty pages in memory.</summary>
    private const int BytesPerTransaction = 16 * 1024 * 1024;

    public UploadRecord? GetUpload(string id) => _uploads.FindById(id);

    public IReadOnlyList<UploadRecord> UploadsBySha256(string sha256) => _uploads.Find(u => u.Sha256 == sha256).ToList();

    public IReadOnlyList<UploadRecord> ListUploads() => _uploads.FindAll().OrderBy(u => u.UploadedAt).ToList();

    public long StoreUploadBytes(string uploadId, string fileName, Stream content)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        long sinceCommit = 0;
        // Bytes stored again (an archive cut short by a stop, then done again) replace what is there.
        _db.FileStorage.Delete(FileId(uploadId));
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
            // The pieces committed before the failure are not a whole file: none is better than a cut one.
            try { _db.FileStorage.Delete(FileId(uploadId)); } catch (LiteException) { }
            throw;
        }
        return total;
    }

    public Stream OpenUploadBytes(string uploadId)
    {
        var file = _db.FileStorage.OpenRead(FileId(uploadId));
        return file.FileInfo.Metadata["compression"] == "deflate" ? new DeflateStream(file, CompressionMode.Decompress) : file;
    }

    public bool HasUploadBytes(string uploadId) => _db.FileStorage.Exists(FileId(uploadId));

    public void SetUploadSha256(string uploadId, string sha256)
    {
        lock (_commitGate)
        {
            if (_uploads.FindById(uploadId) is not { } record) return;
            record.Sha256 = sha256;
            _uploads.Update(record);
        }
    }

    public void DeleteUploadRecord(string uploadId)
    {
        _uploads.Delete(uploadId);
        _db.FileStorage.Delete(FileId(uploadId));
    }

    private static string FileId(string uploadId) => "uploads/" + uploadId;
}

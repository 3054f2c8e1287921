using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>Raw uploaded bytes and their records, found again by id or content hash, on whichever backend.</summary>
public sealed class UploadArchive
{
    private readonly IStorageBackend _backend;

    internal UploadArchive(IStorageBackend backend) => _backend = backend;

    public UploadRecord? Get(string id) => _backend.GetUpload(id);

    public UploadRecord? FindBySha256(string sha256) =>
        _backend.UploadsBySha256(sha256).OrderByDescending(u => u.Status == UploadRecord.Imported).FirstOrDefault();

    public IReadOnlyList<UploadRecord> List() => _backend.ListUploads();

    /// <summary>
    /// Stores the bytes of an upload, deflate-compressed (logs shrink 5–10×) and streamed in pieces; the record is
    /// saved with the import's commit. Returns the number of bytes read.
    /// </summary>
    public long StoreBytes(string uploadId, string fileName, Stream content) => _backend.StoreUploadBytes(uploadId, fileName, content);

    public Stream OpenBytes(string uploadId) => _backend.OpenUploadBytes(uploadId);

    public bool HasBytes(string uploadId) => _backend.HasUploadBytes(uploadId);

    public void Delete(string uploadId) => _backend.DeleteUploadRecord(uploadId);
}

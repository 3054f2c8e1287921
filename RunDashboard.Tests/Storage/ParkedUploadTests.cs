using System.Security.Cryptography;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>
/// A received upload's bytes are moved beside the database and compressed into it after the runs are published:
/// they must serve reads at every moment, end up in the database byte for byte, and survive a stop in between.
/// </summary>
public class ParkedUploadTests() : ImportingStoreTests("parked.db")
{
    private string PendingRoot => Store.Path + ".pending";

    /// <summary>A received file in the test folder, as the upload endpoint leaves it, with its hash.</summary>
    private (UploadFile File, byte[] Bytes) Received(string name, int lines, double seed = 0)
    {
        var bytes = MlxLogs.Bytes(lines, seed);
        var path = Stores.Dir.File(Guid.NewGuid().ToString("N") + ".upload");
        File.WriteAllBytes(path, bytes);
        return (new UploadFile(name, () => File.OpenRead(path), Convert.ToHexStringLower(SHA256.HashData(bytes)), path), bytes);
    }

    private static byte[] ReadAll(Stream s)
    {
        using (s)
        {
            var copy = new MemoryStream();
            s.CopyTo(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task Received_file_is_taken_over_and_archived_into_the_database_byte_for_byte()
    {
        var (file, bytes) = Received("train.log", 3000);
        var report = await Imports.ImportAsync([file], new UploadOptions());

        Assert.True(report.Succeeded);
        Assert.False(File.Exists(file.ReceivedPath), "the received file was moved, not copied");
        var id = report.Files.Single().UploadId!;
        Assert.True(Store.Uploads.HasBytes(id));
        Assert.Equal(bytes, ReadAll(Store.Uploads.OpenBytes(id)));
        Assert.Equal(bytes.Length, Store.Uploads.Get(id)!.Size);

        Store.Uploads.WaitForArchive();
        Assert.False(Store.Uploads.IsPending(id));
        Assert.Null(Store.Uploads.LastArchiveError);
        Assert.Empty(Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories));
        Assert.True(Store.Backend.HasUploadBytes(id));
        Assert.Equal(bytes, ReadAll(Store.Backend.OpenUploadBytes(id)));
    }

    [Fact]
    public async Task Parked_bytes_serve_a_reimport_before_they_are_archived()
    {
        var (file, _) = Received("train.log", 2000);
        var first = await Imports.ImportAsync([file], new UploadOptions());
        var runId = first.Runs.Single().Id;

        var again = await Imports.ReimportAsync();

        Assert.Equal(runId, again.Runs.Single().Id);
        Assert.Equal(first.Runs.Single().Metrics.Sum(m => m.Count), again.Runs.Single().Metrics.Sum(m => m.Count));
    }

    [Fact]
    public async Task Duplicate_and_rejected_files_leave_nothing_parked()
    {
        var (file, _) = Received("train.log", 500);
        await Imports.ImportAsync([file], new UploadOptions());
        var (same, _) = Received("copy.log", 500);
        var junkPath = Stores.Dir.File("junk.upload");
        File.WriteAllBytes(junkPath, new byte[4096]);
        var junk = new UploadFile("junk.bin", () => File.OpenRead(junkPath), null, junkPath);

        var duplicate = await Imports.ImportAsync([same], new UploadOptions());
        var rejected = await Imports.ImportAsync([junk], new UploadOptions());

        Assert.True(duplicate.Files.Single().Duplicate);
        Assert.False(rejected.Succeeded);
        Store.Uploads.WaitForArchive();
        Assert.Equal(0, Store.Uploads.PendingCount);
        Assert.Empty(Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Deleting_an_upload_whose_bytes_are_parked_removes_them()
    {
        var (file, _) = Received("train.log", 1000);
        var report = await Imports.ImportAsync([file], new UploadOptions());
        var id = report.Files.Single().UploadId!;

        Assert.NotNull(Store.DeleteUpload(id));
        Store.Uploads.WaitForArchive();

        Assert.False(Store.Uploads.HasBytes(id));
        Assert.False(Store.Backend.HasUploadBytes(id));
        Assert.Empty(Directory.EnumerateFiles(PendingRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Files_left_by_a_stopped_dashboard_are_archived_or_deleted_at_the_next_start()
    {
        // A committed upload whose bytes were still parked, and a parked file whose import never committed, in the
        // folder of a process that is gone.
        var (file, bytes) = Received("train.log", 1500);
        var report = await Imports.ImportAsync([file], new UploadOptions());
        var id = report.Files.Single().UploadId!;
        Store.Uploads.WaitForArchive();
        Store.Backend.DeleteUploadRecord(id);
        var record = new UploadRecord { Id = id, FileName = "train.log", Sha256 = "x", Size = bytes.Length, Status = UploadRecord.Imported, UploadedAt = DateTime.UtcNow };
        using (var staged = Store.BeginImport()) staged.Commit([], [record]);
        Assert.False(Store.Backend.HasUploadBytes(id));
        var gone = Path.Combine(PendingRoot, "999999999");
        Directory.CreateDirectory(gone);
        File.WriteAllBytes(Path.Combine(gone, id), bytes);
        File.WriteAllBytes(Path.Combine(gone, "never-committed"), [1, 2, 3]);
        Store.Dispose();

        using var reopened = Stores.Open("parked.db");
        Assert.True(reopened.Uploads.HasBytes(id));
        reopened.Uploads.WaitForArchive();

        Assert.Equal(bytes, ReadAll(reopened.Backend.OpenUploadBytes(id)));
        Assert.False(File.Exists(Path.Combine(gone, id)));
        Assert.False(File.Exists(Path.Combine(gone, "never-committed")));
    }

    [Fact]
    public async Task An_export_of_the_file_holds_the_bytes_still_parked()
    {
        var (file, bytes) = Received("train.log", 2000);
        var report = await Imports.ImportAsync([file], new UploadOptions());
        var id = report.Files.Single().UploadId!;
        var copy = Stores.Dir.File("export.db");

        if (Provider == StorageProvider.Postgres)
        {
            // PostgreSQL is backed up with its own tools; the parked bytes are archived all the same.
            Assert.Throws<NotSupportedException>(() => Store.ExportTo(copy));
            Assert.False(Store.Uploads.IsPending(id));
            return;
        }
        Store.ExportTo(copy);

        using var exported = new RunStore(copy);
        Assert.Equal(bytes, ReadAll(exported.Backend.OpenUploadBytes(id)));
    }

}

using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>What only the LiteDB file does: its folder is made, a stale log beside it is not replayed, and its own log holds what is not yet checkpointed.</summary>
public class LiteDbFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("runs.db");

    [Fact]
    public void Creates_the_database_file_and_its_folder()
    {
        var path = _dir.File(Path.Combine("nested", "deeper", "store.db"));
        using (new RunStore(path)) { }

        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_log_file_left_from_a_deleted_database_is_set_aside_not_replayed()
    {
        var log = LogOf(DbPath);
        var stale = Enumerable.Range(0, 8192 * 4).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(log, stale);

        using var store = new RunStore(DbPath);

        Assert.Equal(0, store.CountRuns());
        var orphan = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DbPath)!, "*.orphan-*"));
        Assert.Equal(stale, File.ReadAllBytes(orphan));
    }

    [Fact]
    public void A_change_not_yet_checkpointed_is_in_the_files_a_killed_process_leaves()
    {
        using var store = new RunStore(DbPath);
        store.Documents("notes").Upsert(new LiteDB.BsonDocument { ["_id"] = "n1", ["text"] = "kept" });

        // What the operating system holds for the two files is what a killed process leaves behind. LiteDB answers a
        // commit once its pages are queued for the log, so the copy is taken again until they are there.
        string? found = null;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 0; found is null && deadline.Elapsed < TimeSpan.FromSeconds(20); attempt++)
        {
            var copy = _dir.File(Path.Combine($"copy{attempt}", "runs.db"));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            foreach (var (from, to) in new[] { (DbPath, copy), (LogOf(DbPath), LogOf(copy)) })
            {
                using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var target = File.Create(to);
                source.CopyTo(target);
            }
            Assert.True(new FileInfo(LogOf(copy)).Length > 0, "the change should be in the log, not checkpointed");
            using var reopened = new RunStore(copy);
            found = reopened.Documents("notes").FindById("n1")?["text"].AsString;
            if (found is null) Thread.Sleep(50);
        }

        Assert.Equal("kept", found);
    }

    [Fact]
    public void Closing_the_database_leaves_no_log_file()
    {
        using (var store = new RunStore(DbPath)) store.Documents("notes").Upsert(new LiteDB.BsonDocument { ["_id"] = "n1" });

        Assert.False(File.Exists(LogOf(DbPath)));
        using var reopened = new RunStore(DbPath);
        Assert.NotNull(reopened.Documents("notes").FindById("n1"));
    }

    private static string LogOf(string db) => Path.Combine(Path.GetDirectoryName(db)!, Path.GetFileNameWithoutExtension(db) + "-log.db");

    public void Dispose() => _dir.Dispose();
}

using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>What only the LiteDB file does: its folder is made, and a stale log beside it is not replayed.</summary>
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
        var log = Path.Combine(Path.GetDirectoryName(DbPath)!, Path.GetFileNameWithoutExtension(DbPath) + "-log.db");
        var stale = Enumerable.Range(0, 8192 * 4).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(log, stale);

        using var store = new RunStore(DbPath);

        Assert.Equal(0, store.CountRuns());
        var orphan = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DbPath)!, "*.orphan-*"));
        Assert.Equal(stale, File.ReadAllBytes(orphan));
    }

    public void Dispose() => _dir.Dispose();
}

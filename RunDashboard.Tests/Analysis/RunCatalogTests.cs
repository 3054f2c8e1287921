using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Analysis;

/// <summary>The in-memory runs list over a real LiteDB store: pages served from rows sorted once per change.</summary>
public class RunCatalogTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly RunCatalog _catalog;
    private readonly ImportService _imports;

    public RunCatalogTests()
    {
        _store = new RunStore(_dir.File("catalog.db"));
        _catalog = new RunCatalog(_store, new TagRules([]));
        _imports = new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System);
    }

    private Task ImportTableAsync(int runs) =>
        _imports.ImportAsync([new UploadFile("wandb_export.csv", () => new MemoryStream(RunsTable.Csv(runs)))], new UploadOptions("sweeps"));

    [Theory]
    [InlineData("name", false)]
    [InlineData("train", true)]
    [InlineData("eval", false)]
    [InlineData("steps", true)]
    [InlineData("created", true)]
    [InlineData("state", false)]
    [InlineData("no-such-order", true)]
    public async Task Every_page_matches_filtering_and_sorting_the_whole_list(string sort, bool descending)
    {
        await ImportTableAsync(120);
        var query = new RunQuery { Tag = "lr-1", SortBy = sort, Descending = descending, PageSize = 7 };

        for (var page = 0; page < 7; page++)
        {
            var expected = RunFilter.Apply(_catalog.All, query with { Page = page });
            var actual = _catalog.Query(query with { Page = page });
            Assert.Equal(40, actual.Total);
            Assert.Equal(expected.Items.Select(r => r.Id), actual.Items.Select(r => r.Id));
        }
    }

    [Fact]
    public async Task Runs_imported_after_a_query_are_in_the_next_one()
    {
        await ImportTableAsync(3);
        Assert.Equal(3, _catalog.Query(new RunQuery { SortBy = "name" }).Total);
        Assert.Equal(["sweeps"], _catalog.Projects);

        await _imports.ImportAsync([new UploadFile("run3.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions("later", "zzz-last"));

        var page = _catalog.Query(new RunQuery { SortBy = "name" });
        Assert.Equal(4, page.Total);
        Assert.Equal("zzz-last", page.Items[0].Name); // newest-first default flips to descending name: z first
        Assert.Equal(["later", "sweeps"], _catalog.Projects);
    }

    [Fact]
    public async Task A_large_import_is_taken_in_whole()
    {
        await ImportTableAsync(2);
        Assert.Equal(2, _catalog.Count);

        // Past a few hundred changed runs the rows are rebuilt from one scan instead of one lookup each.
        await _imports.ImportAsync([new UploadFile("second_export.csv", () => new MemoryStream(RunsTable.Csv(400)))], new UploadOptions("more"));

        Assert.Equal(402, _catalog.Count);
        Assert.Equal(400, _catalog.Query(new RunQuery { Project = "more" }).Total);
    }

    public void Dispose()
    {
        _catalog.Dispose();
        _store.Dispose();
        _dir.Dispose();
    }
}

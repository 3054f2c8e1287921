using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class RunsTableManyRowsTests
{
    [Fact]
    public void A_runs_table_of_many_rows_is_one_run_per_row()
    {
        // Rows of numbers repeat one shape, as metric lines do: the runs table must still be read as a table of runs.
        var (import, _) = Parse.Bytes("wandb_export.csv", RunsTable.Csv(300));

        Assert.Equal("wandb-runs-table", import.Format);
        Assert.Equal(300, import.Runs.Count);
        Assert.Contains(import.Runs, r => r.Name == "sweep-0299");
    }
}

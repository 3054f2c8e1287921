using RunDashboard.Components;
using RunDashboard.ViewState;

namespace RunDashboard.Tests.ViewState;

public class DashboardUrlsTests
{
    [Fact]
    public void A_run_link_carries_only_what_differs_from_the_default_view()
    {
        Assert.Equal("/runs/abc", DashboardUrls.Run("abc"));
        Assert.Equal("/runs/abc?from=1090&to=1146&mark=1118", DashboardUrls.Run("abc", new RunView { From = 1090, To = 1146, Mark = 1118 }));
        Assert.Equal("/runs/abc?loglr=true&open=eval%2Cmemory&findings=all",
            DashboardUrls.Run("abc", new RunView { LogLr = true, Open = ["memory", "eval"], AllFindings = true }));
    }

    [Fact]
    public void A_compare_link_keeps_run_ids_readable_and_escapes_the_metric()
    {
        var view = new CompareView { Runs = ["a1", "b2"], Metric = "train/loss", Smooth = 0.8, Log = true, From = 400, To = 1000 };

        Assert.Equal("/compare?runs=a1,b2&metric=train%2Floss&smooth=0.80&log=true&from=400&to=1000", DashboardUrls.Compare(view));
        // The range only means steps: on a token axis it is dropped.
        Assert.Equal("/compare?runs=a1,b2&x=tokens", DashboardUrls.Compare(new CompareView { Runs = ["a1", "b2"], X = "tokens", From = 5 }));
    }

    [Fact]
    public void A_grouped_compare_link_names_the_grouping_the_band_and_the_final_metric()
    {
        var view = new CompareView { Runs = ["a1", "b2"], Group = "config:learning_rate", StdBand = true, Final = "eval/loss" };

        Assert.Equal("/compare?runs=a1,b2&group=config%3Alearning_rate&band=std&final=eval%2Floss", DashboardUrls.Compare(view));
        // No grouping and the min-max band are the defaults, so they stay out of the link.
        Assert.Equal("/compare?runs=a1", DashboardUrls.Compare(new CompareView { Runs = ["a1"], Group = "none" }));
        // The preview draws the groups and their band as the page does; the final metric is not on the chart.
        Assert.Equal("/preview/compare.png?runs=a1,b2&group=config%3Alearning_rate&band=std", DashboardUrls.ComparePreview(view));
    }

    [Fact]
    public void A_series_download_link_escapes_the_run_and_the_metric()
    {
        Assert.Equal("/api/runs/r%201/series?key=train%2Floss&format=csv", DashboardUrls.SeriesExport("r 1", "train/loss", "csv"));
        Assert.Equal("/api/runs/r1/series?key=eval%2Floss%2Fkd", DashboardUrls.SeriesExport("r1", "eval/loss/kd"));
        Assert.Equal("/api/compare/report?runs=a1,b%202", DashboardUrls.CompareReport(["a1", "b 2"]));
    }

    [Fact]
    public void Preview_images_depend_on_the_chart_only()
    {
        var view = new CompareView { Runs = ["a1"], Metric = "eval/loss", Smooth = 0, All = true, Robust = false };

        Assert.Equal("/preview/compare.png?runs=a1&metric=eval%2Floss&smooth=0.00", DashboardUrls.ComparePreview(view));
        Assert.Equal("/preview/runs/r%201.png?from=5", DashboardUrls.RunPreview("r 1", new RunView { From = 5, LogLr = true }));
    }

    [Fact]
    public void A_runs_list_link_and_a_short_link()
    {
        Assert.Equal("/", DashboardUrls.RunList());
        Assert.Equal("/?q=smol%20lm&sort=steps&desc=false&hide=tags%2Ccreated",
            DashboardUrls.RunList(new RunListView { Text = "smol lm", Sort = "steps", Descending = false, Hide = ["tags", "created"] }));
        Assert.Equal("https://dash.lab/s/Ab3", DashboardUrls.ShortLink("https://dash.lab/", "Ab3"));
    }

    [Fact]
    public void Numbers_read_the_same_in_every_culture()
    {
        var before = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            Assert.Equal("/compare?runs=a&smooth=0.65", DashboardUrls.Compare(new CompareView { Runs = ["a"], Smooth = 0.65 }));
            Assert.Equal("8.29e-06", NumberFormat.Value(8.29e-6));
            Assert.Equal("13.0%", NumberFormat.Percent(0.13));
            Assert.Equal("missing", NumberFormat.Value(null, "missing"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = before;
        }
    }
}

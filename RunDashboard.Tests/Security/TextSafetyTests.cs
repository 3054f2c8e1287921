using RunDashboard.Components.Charts;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Security;

/// <summary>User text stays text where it is formatted: Plotly's HTML subset and the markdown report.</summary>
public class TextSafetyTests
{
    [Fact]
    public void Plotly_text_encodes_the_three_characters_plotly_reads_as_markup()
    {
        Assert.Equal("&lt;a href=\"x\"&gt;run&lt;/a&gt; &amp; &lt;br&gt;", PlotlyText.Escape("<a href=\"x\">run</a> & <br>"));
        Assert.Equal("train/loss", PlotlyText.Escape("train/loss"));
        Assert.Null(PlotlyText.Escape(null));
    }

    [Fact]
    public void The_report_keeps_a_hostile_run_name_on_its_line_and_as_text()
    {
        var hostile = new Run { Id = "a", Name = "x\n# Injected\r\n| cell | [link](https://evil.example) <script>alert(1)</script>" };
        var plain = new Run { Id = "b", Name = "plain" };

        var md = ComparisonReport.Markdown([hostile, plain], [Array.Empty<Finding>(), Array.Empty<Finding>()]);

        var lines = md.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("# Injected", StringComparison.Ordinal));
        Assert.StartsWith("# Comparison: x \\# Injected", lines[0]);
        Assert.DoesNotContain("<script>", md);
        Assert.Contains("&lt;script&gt;", md);
        Assert.DoesNotContain("[link](", md);
        Assert.Contains("\\[link\\]", md);
        // The name's pipe does not split the table: header row of two runs has exactly four unescaped pipes.
        var header = lines.First(l => l.StartsWith("| |", StringComparison.Ordinal));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(header, @"(?<!\\)\|").Count);
    }
}

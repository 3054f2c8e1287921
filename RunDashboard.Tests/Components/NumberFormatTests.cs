using System.Globalization;
using RunDashboard.Components;

namespace RunDashboard.Tests.Components;

public class NumberFormatTests
{
    [Fact]
    public void Numbers_counts_times_and_durations_read_the_same_in_a_culture_with_a_decimal_comma()
    {
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal("0.60", NumberFormat.Fixed(0.6, 2));
            Assert.Equal("12,345", NumberFormat.Count(12345));
            Assert.Equal("8.29e-06", NumberFormat.Value(8.29e-6, 4));
            Assert.Equal("2025-11-11 18:01", NumberFormat.Time(new DateTime(2025, 11, 11, 18, 1, 30, DateTimeKind.Utc)));
            Assert.Equal("3h 12m", NumberFormat.Duration(TimeSpan.FromMinutes(192)));
            Assert.Equal("42s", NumberFormat.Duration(TimeSpan.FromSeconds(41.6)));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }
}

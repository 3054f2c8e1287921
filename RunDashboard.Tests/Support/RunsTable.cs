using System.Globalization;
using System.Text;

namespace RunDashboard.Tests.Support;

/// <summary>A W&amp;B runs-table export ("Export CSV" on a project page) of generated runs, one row each.</summary>
public static class RunsTable
{
    /// <summary>Run i is named <c>sweep-{i:D4}</c> and created i minutes after 2026-01-01, so the newest is the last row.</summary>
    public static byte[] Csv(int runs)
    {
        var text = new StringBuilder("Name,State,Created,Runtime,Tags,learning_rate,batch_size,train/loss,eval/loss\n");
        for (var i = 0; i < runs; i++)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"sweep-{i:D4},{(i % 5 == 0 ? "crashed" : "finished")},{new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i):yyyy-MM-ddTHH:mm:ss},{600 + i},\"grid,lr-{i % 3}\",{1e-5 * (1 + i % 3):G},{8 << (i % 4)},{1 + i % 97 / 100.0:F4},{1.1 + i % 89 / 100.0:F4}\n"));
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

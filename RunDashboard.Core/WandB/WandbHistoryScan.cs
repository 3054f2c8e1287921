using System.Globalization;
using System.Text.Json;

namespace RunDashboard.Core.WandB;

/// <summary>
/// Reads every history row of one run, as the official client's scan does: windows exactly
/// <c>pageSize</c> steps wide, because W&amp;B downsamples a range holding more rows than the samples asked for.
/// An empty window (sparse logging, a gap, a run resumed at step 61,010) does not end the scan: one-sample queries
/// find where rows resume, so a gap costs a few requests instead of one per empty window. Every request moves the
/// scan forward or ends it.
/// </summary>
public sealed class WandbHistoryScan(WandbClient client, string entity, string project, string run, int historyPageSize)
{
    private readonly int pageSize = Math.Max(1, historyPageSize);

    /// <summary>Past this many problems per run only the count goes on.</summary>
    public const int MaxProblems = 20;

    private readonly List<string> _problems = [];

    /// <summary>Every step below this has been asked for and its rows handed over.</summary>
    public long NextStep { get; private set; }

    /// <summary>The last step handed over; below the first step when none.</summary>
    public long LastRowStep { get; private set; }

    public long Rows { get; private set; }
    public long Requests { get; private set; }

    /// <summary>Rows that could not be read or placed, in words naming run, step and byte.</summary>
    public IReadOnlyList<string> Problems => _problems;
    public long ProblemCount { get; private set; }

    /// <summary>
    /// Scans <paramref name="from"/>..<paramref name="lastStep"/> (inclusive; to the last row when W&amp;B did not say),
    /// handing rows over in step order. A failure (rate limit, outage) leaves <see cref="NextStep"/> at the start
    /// of the window that failed: what was handed over is whole windows.
    /// </summary>
    public async Task RunAsync(long from, long? lastStep, Action<long, JsonElement> onRow, CancellationToken cancellationToken)
    {
        NextStep = from;
        LastRowStep = from - 1;
        var end = lastStep is { } last && last < long.MaxValue ? last + 1 : long.MaxValue; // exclusive
        while (NextStep < end)
        {
            var windowEnd = end - NextStep <= pageSize ? end : NextStep + pageSize;
            var (page, answered) = await FetchAsync(NextStep, windowEnd, pageSize, cancellationToken);
            foreach (var (step, row) in page)
            {
                // A row already handed over (a repeated step) is not new; the window still advances.
                if (step <= LastRowStep) continue;
                onRow(step, row);
                LastRowStep = step;
                Rows++;
            }
            NextStep = windowEnd;
            // Only a window with no rows at all says a gap may follow; one of unreadable rows was not empty.
            if (answered == 0 && NextStep < end)
            {
                NextStep = await LocateAsync(NextStep, end, cancellationToken) ?? end;
            }
        }
    }

    /// <summary>
    /// Where rows resume at or after <paramref name="lo"/> (below <paramref name="hi"/>), or null when none do: a
    /// one-sample query returns some row of the range, and the range shrinks to below it until a window started at
    /// <paramref name="lo"/> reaches it or nothing lies below it. Each query shrinks the range, so this ends.
    /// </summary>
    private async Task<long?> LocateAsync(long lo, long hi, CancellationToken cancellationToken)
    {
        long? resume = null;
        while (lo < hi)
        {
            var (page, _) = await FetchAsync(lo, hi, 1, cancellationToken, report: false);
            if (page.Count == 0) return resume;
            var step = page[0].Step;
            if (step - lo < pageSize) return lo;
            resume = step;
            hi = step;
        }
        return resume;
    }

    /// <summary>The readable rows of [min, max) in step order (unreadable ones become problems), and how many rows W&amp;B sent.</summary>
    private async Task<(List<(long Step, JsonElement Row)> Rows, int Answered)> FetchAsync(long min, long max, int samples, CancellationToken cancellationToken, bool report = true)
    {
        Requests++;
        var rows = await client.HistoryPageAsync(entity, project, run, min, max, samples, cancellationToken);
        var result = new List<(long, JsonElement)>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Problem is { } problem)
            {
                if (report) Problem($"{(row.StepHint is { } hint ? $"step {hint.ToString(CultureInfo.InvariantCulture)}" : $"a row between steps {min} and {max - 1}")}: the row {problem}");
                // Its step still says rows exist there, which is what locating needs.
                else if (row.StepHint is { } hint && hint >= min && hint < max) result.Add((hint, default));
                continue;
            }
            if (row.Row.ValueKind != JsonValueKind.Object || !row.Row.TryGetProperty("_step", out var s) || !WandbValues.TryStep(s, out var step))
            {
                if (report) Problem($"a row between steps {min} and {max - 1} has no whole-number _step ({Excerpt(row.Row)}); skipped");
                continue;
            }
            if (step < min || step >= max)
            {
                if (report) Problem($"W&B answered step {step} to a request for steps {min} to {max - 1}; skipped");
                continue;
            }
            result.Add((step, row.Row));
        }
        result.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return (result, rows.Count);
    }

    private void Problem(string message)
    {
        ProblemCount++;
        if (_problems.Count < MaxProblems) _problems.Add(message);
    }

    private static string Excerpt(JsonElement row)
    {
        var text = row.ValueKind == JsonValueKind.Undefined ? "" : row.GetRawText();
        return text.Length <= 60 ? text : text[..60] + "…";
    }
}

using RunDashboard.Core.Services;

namespace RunDashboard.Endpoints;

/// <summary>The JSON body of <c>POST /api/uploads</c>.</summary>
public sealed record UploadResponse(
    IReadOnlyList<UploadResponse.RunLink> Runs,
    string? Format,
    IReadOnlyList<UploadResponse.Problem> Problems,
    IReadOnlyList<UploadResponse.FileResult> Files)
{
    /// <summary>Seconds spent receiving the body and in each part of the import (where a slow upload's time went).</summary>
    public TimingResult? Timings { get; init; }

    public sealed record TimingResult(double Receive, double Hash, double Parse, double KeepBytes, double Commit, double Import, bool ParsedWhileReceiving);

    /// <summary>A run the upload made or updated, with what the form's report shows of it.</summary>
    public sealed record RunLink(string Id, string Name, string Url)
    {
        /// <summary>Each series with its number of points.</summary>
        public IReadOnlyList<MetricCount> Metrics { get; init; } = [];

        public int Hyperparameters { get; init; }

        public int Events { get; init; }
    }

    public sealed record MetricCount(string Key, long Points);

    public sealed record Problem(string File, int Line, string Message);

    public sealed record SeriesCount(string Run, string Key, string Alias, long Points);

    public sealed record FileResult(
        string File, string? Format, string? FormatDescription, string? Reason, string? Error, bool Duplicate, bool Continued,
        IReadOnlyList<string> Runs, long ProblemCount, long LinesRead, long LinesRepaired, LineResult Lines,
        IReadOnlyList<string> Notes, IReadOnlyList<TemplateResult> Templates);

    /// <summary>How the file's lines went: <c>{"points","skipped","problems"}</c>.</summary>
    public sealed record LineResult(long Points, long Skipped, long Problems);

    /// <summary>A line shape the generic reader used: a sample line and the keys it gave, to confirm the reading.</summary>
    public sealed record TemplateResult(string Template, string Sample, long Lines, string Step, IReadOnlyList<string> Keys);

    public static UploadResponse From(ImportReport report, HttpRequest request, double? receiveSeconds = null)
    {
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        var t = report.Timings;
        return new UploadResponse(
            report.Runs.Select(r => new RunLink(r.Id, r.Name, $"{baseUrl}/runs/{r.Id}")
            {
                Metrics = r.Metrics.Select(m => new MetricCount(m.Key, m.Count)).ToList(),
                Hyperparameters = r.Hyperparameters.Count,
                Events = r.Events.Count,
            }).ToList(),
            report.Format,
            report.Problems.Select(p => new Problem(p.File, p.Line, p.Message)).ToList(),
            report.Files.Select(f => new FileResult(f.FileName, f.Format, f.FormatDescription, f.FormatReason, f.Error,
                f.Duplicate, f.ContinuesUploadId is not null, f.RunIds, f.ProblemCount, f.LinesRead, f.LinesRepaired,
                new LineResult(f.Lines.Points, f.Lines.Skipped, f.Lines.Problems), f.Notes,
                f.Readings.Select(r => new TemplateResult(r.Template, r.Sample, r.Lines, r.Step, r.Keys)).ToList())).ToList())
        {
            Timings = new TimingResult(Math.Round(receiveSeconds ?? 0, 3), Math.Round(t.HashSeconds, 3), Math.Round(t.ParseSeconds, 3),
                Math.Round(t.KeepBytesSeconds, 3), Math.Round(t.CommitSeconds, 3), Math.Round(t.TotalSeconds, 3), t.ParsedWhileReceiving),
        };
    }
}

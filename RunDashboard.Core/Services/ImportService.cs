using System.Security.Cryptography;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Connects ingestion to storage: hashes each file (a file seen before returns its runs), parses the rest
/// straight into a staged import, keeps every file's bytes, and publishes the runs all at once or not at all.
/// </summary>
public sealed class ImportService(RunStore store, Ingestor ingestor, TimeProvider time)
{
    private static readonly SemaphoreSlim Writer = new(1, 1);

    public Ingestor Ingestor => ingestor;

    public async Task<ImportReport> ImportAsync(IReadOnlyList<UploadFile> files, UploadOptions options, CancellationToken cancellationToken = default)
    {
        // One import at a time: LiteDB has one writer, and a queue beats interleaved transactions.
        await Writer.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => Import(files, options, cancellationToken), cancellationToken);
        }
        finally
        {
            Writer.Release();
        }
    }

    private ImportReport Import(IReadOnlyList<UploadFile> files, UploadOptions options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var batchId = RunIds.New();
        var reports = new List<FileReport>();
        var duplicateRuns = new List<Run>();
        var parsed = new List<(UploadFile File, string Sha, string UploadId, FileImport Import)>();

        using var staged = store.BeginImport();
        foreach (var file in files)
        {
            var name = SafeName(file.FileName);
            string sha;
            using (var s = file.Open()) sha = Convert.ToHexStringLower(SHA256.HashData(s));

            var previous = sha.Length > 0 ? store.Uploads.FindBySha256(sha) : null;
            var previousRuns = previous?.RunIds.Select(store.GetRun).OfType<Run>().ToList() ?? [];
            if (previous is { Status: UploadRecord.Imported } && previousRuns.Count > 0)
            {
                duplicateRuns.AddRange(previousRuns);
                reports.Add(new FileReport
                {
                    FileName = name, UploadId = previous.Id, Format = previous.Format, Duplicate = true,
                    RunIds = previousRuns.Select(r => r.Id).ToList(),
                    FormatReason = $"the same bytes were uploaded on {previous.UploadedAt:yyyy-MM-dd HH:mm} UTC as {previous.FileName}",
                });
                continue;
            }
            var import = ingestor.Ingest(name, file.Open, staged, cancellationToken);
            parsed.Add((file, sha, RunIds.New(), import));
        }

        var drafts = MergeBundle(parsed.Where(p => p.Import.Succeeded).SelectMany(p => p.Import.Runs.Select(r => (p.UploadId, p.Import, Draft: r))).ToList());
        var runs = drafts.Select(d => ToRun(d.Draft, d.Import, d.UploadIds, options, drafts.Count, now)).ToList();

        var uploads = new List<UploadRecord>();
        foreach (var (file, sha, uploadId, import) in parsed)
        {
            var runIds = runs.Where(r => r.UploadIds.Contains(uploadId)).Select(r => r.Id).ToList();
            var record = new UploadRecord
            {
                Id = uploadId, FileName = import.FileName, Sha256 = sha, UploadedAt = now, BatchId = batchId,
                Status = runIds.Count > 0 ? UploadRecord.Imported : UploadRecord.Rejected,
                Format = import.Format, Error = import.Error, RunIds = runIds,
                Project = options.Project, Name = options.Name, Tags = options.Tags?.ToList() ?? [],
            };
            if (import.Error is null || !IsEmptyFileError(file))
            {
                // Rejected files are kept too: a parser added later can re-import them.
                using var bytes = file.Open();
                record.Size = bytes.CanSeek ? bytes.Length : 0;
                store.Uploads.StoreBytes(uploadId, import.FileName, bytes);
                uploads.Add(record);
            }
            reports.Add(new FileReport
            {
                FileName = import.FileName, UploadId = uploadId, Format = import.Format,
                FormatDescription = import.FormatDescription, FormatReason = import.FormatReason, Error = import.Error,
                RunIds = runIds, Problems = import.Problems, ProblemCount = import.ProblemCount,
                LinesRead = import.LinesRead, LinesRepaired = import.LinesRepaired,
            });
        }

        if (runs.Count > 0 || uploads.Count > 0) staged.Commit(runs, uploads);
        else staged.Abort();

        return new ImportReport { Files = reports, Runs = runs.Concat(duplicateRuns).ToList() };
    }

    /// <summary>
    /// Files sent together are one run when exactly one of them has metrics and the others only settings
    /// (a log plus its adapter_config.json): the settings become that run's hyperparameters.
    /// </summary>
    private static List<(RunDraft Draft, FileImport Import, List<string> UploadIds)> MergeBundle(
        List<(string UploadId, FileImport Import, RunDraft Draft)> drafts)
    {
        var withMetrics = drafts.Where(d => d.Draft.HasMetrics).ToList();
        var settingsOnly = drafts.Where(d => d.Draft.IsSettingsOnly).ToList();
        if (withMetrics.Count != 1 || settingsOnly.Count == 0)
        {
            return drafts.Select(d => (d.Draft, d.Import, new List<string> { d.UploadId })).ToList();
        }
        var target = withMetrics[0];
        var uploadIds = new List<string> { target.UploadId };
        foreach (var s in settingsOnly)
        {
            foreach (var (k, v) in s.Draft.Hyperparameters) target.Draft.Hyperparameters.TryAdd(k, v);
            uploadIds.Add(s.UploadId);
        }
        var result = new List<(RunDraft, FileImport, List<string>)> { (target.Draft, target.Import, uploadIds) };
        result.AddRange(drafts.Where(d => d != target && !settingsOnly.Contains(d)).Select(d => (d.Draft, d.Import, new List<string> { d.UploadId })));
        return result;
    }

    private static Run ToRun(RunDraft draft, FileImport import, List<string> uploadIds, UploadOptions options, int runCount, DateTime now)
    {
        var fileBase = Path.GetFileNameWithoutExtension(import.FileName);
        var name = options.Name is { Length: > 0 } given
            ? (runCount == 1 ? given : $"{given} · {draft.Name ?? fileBase}")
            : draft.Name ?? fileBase;
        var tags = (options.Tags ?? []).Concat(draft.Tags).Distinct().ToList();
        return new Run
        {
            Id = draft.Id,
            Name = name,
            Project = options.Project is { Length: > 0 } p ? p : draft.Project ?? UploadOptions.DefaultProject,
            Source = RunSource.Upload,
            State = draft.State ?? RunStates.Finished,
            Tags = tags,
            CreatedAt = draft.CreatedAt ?? now,
            UpdatedAt = now,
            Format = import.Format ?? "",
            UploadIds = uploadIds,
            Hyperparameters = draft.Hyperparameters.Select(kv => new Hyperparameter(kv.Key, kv.Value)).ToList(),
            Summary = draft.Summary.Select(kv => new SummaryValue(kv.Key, kv.Value)).ToList(),
            Metrics = draft.Series.Select(s => s.ToInfo()).ToList(),
            Events = draft.Events.ToList(),
            DataVersion = 1,
        };
    }

    private static bool IsEmptyFileError(UploadFile file)
    {
        using var s = file.Open();
        return s.ReadByte() < 0;
    }

    /// <summary>Browsers and curl send bare names; a path in a name is never trusted.</summary>
    private static string SafeName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        return string.IsNullOrWhiteSpace(name) ? "upload" : name;
    }
}

using System.Security.Cryptography;
using RunDashboard.Core.Cluster;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Connects ingestion to storage: hashes each file (a file seen before returns its runs), expands zips, parses
/// every file straight into a staged import, groups the files of one run (a zip folder, or files sent together),
/// keeps every file's bytes, and publishes the runs all at once or not at all. This file holds the orchestration;
/// the concerns it calls on live beside it: <c>.Files</c> (zips, names, hints), <c>.Grouping</c> (files → runs),
/// <c>.Duplicates</c> (bytes seen before, grown logs, re-imports), <c>.RunFolders</c> (TensorBoard, MLflow, W&amp;B folders).
/// </summary>
public sealed partial class ImportService(RunStore store, Ingestor ingestor, TimeProvider time)
{
    private const string BatchGroup = "";
    // One per service (one per store): two dashboards in one process, as in tests, do not queue behind each other.
    // The store's lane for large writes: the background archiving of upload bytes takes it too, so a gigabyte of
    // file storage is never written into LiteDB while a large import writes its chunks (LiteDB 5 was seen to
    // corrupt its free-page list when the two overlapped).
    private SemaphoreSlim _writer => store.LargeWrites;
    // Uploads up to SmallUploadBytes have a lane of their own, so a training script's small log is not queued
    // for minutes behind a gigabyte import; LiteDB serialises the two only per collection and per batch.
    private const long SmallUploadBytes = 64L * 1024 * 1024;
    private readonly SemaphoreSlim _smallWriter = new(1, 1);

    public Ingestor Ingestor => ingestor;

    public async Task<ImportReport> ImportAsync(IReadOnlyList<UploadFile> files, UploadOptions options, CancellationToken cancellationToken = default)
    {
        // One import at a time per lane: LiteDB has one writer, and a queue beats interleaved transactions.
        var lane = files.Sum(f => { using var s = f.Open(); return s.CanSeek ? s.Length : long.MaxValue / 1024; }) <= SmallUploadBytes ? _smallWriter : _writer;
        var parked = Park(files);
        try
        {
            await lane.WaitAsync(cancellationToken);
            try
            {
                return await WithRetriesAsync(() => Import(parked, options, cancellationToken), cancellationToken);
            }
            finally
            {
                lane.Release();
            }
        }
        finally
        {
            // Bytes of files that did not become an imported upload (a duplicate, a rejected file, a failed import) go.
            // A file still arriving belongs to its ReceivingImport, which may import it again.
            foreach (var file in parked)
            {
                if (file.ParkedAs is { } id && file.Receiving is null && store.Uploads.Get(id) is not { Status: UploadRecord.Imported }) store.Uploads.Unpark(id);
            }
        }
    }

    /// <summary>
    /// Takes received files over into the store's pending folder, each under the upload id it will be kept as: the
    /// bytes are then compressed into the database after the runs are published, not while the user waits.
    /// </summary>
    private IReadOnlyList<UploadFile> Park(IReadOnlyList<UploadFile> files)
    {
        if (!store.Uploads.CanPark || files.All(f => f.ReceivedPath is null)) return files;
        return files.Select(f =>
        {
            if (f.ReceivedPath is null) return f;
            var id = RunIds.New();
            var path = store.Uploads.Park(id, f.ReceivedPath);
            return f with { Open = () => File.OpenRead(path), ReceivedPath = null, ParkedAs = id };
        }).ToList();
    }

    /// <summary>
    /// Runs an import, and runs it again from the start when the database failed for a moment (a shared PostgreSQL
    /// restarting): the upload's body is still on disk and nothing of the failed attempt was published.
    /// </summary>
    private async Task<ImportReport> WithRetriesAsync(Func<ImportReport> import, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Task.Run(import, cancellationToken);
            }
            catch (Exception ex) when (TransientFailures.IsTransient(ex) && time.GetElapsedTime(started) < TransientFailures.RetryWindow)
            {
                RetriedImports++;
                await Task.Delay(TransientFailures.Backoff(attempt), time, cancellationToken);
            }
        }
    }

    /// <summary>Imports run again after a transient database failure, since start (for tests and the logs).</summary>
    public int RetriedImports { get; private set; }

    /// <summary>Starts importing a large upload while its body still arrives (see <see cref="ReceivingImport"/>).</summary>
    public ReceivingImport BeginReceiving(string fileName, UploadOptions provisional, CancellationToken cancellationToken = default) =>
        new(this, store, fileName, provisional, cancellationToken);

    /// <summary>True when uploads can be parsed while they arrive (the store keeps received files beside it).</summary>
    public bool CanReceiveWhileParsing => store.Uploads.CanPark;

    private static string HashOf(UploadFile file)
    {
        using var s = file.Open();
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    private static bool SameHints(ReadingHints a, ReadingHints b) =>
        a.StepField == b.StepField && a.Renames.Count == b.Renames.Count && a.Renames.All(r => b.Renames.TryGetValue(r.Key, out var v) && v == r.Value);

    /// <summary>Parses the stored bytes of earlier uploads again with today's parsers, replacing their runs.</summary>
    public async Task<ImportReport> ReimportAsync(IReadOnlyList<string>? uploadIds = null, CancellationToken cancellationToken = default)
    {
        var records = store.Uploads.List().Where(u => uploadIds is null || uploadIds.Contains(u.Id)).ToList();
        var reports = new List<FileReport>();
        var runs = new List<Run>();
        // Files sent together are parsed together again, so a log and its settings still become one run.
        foreach (var batch in records.GroupBy(r => r.BatchId ?? r.Id))
        {
            var list = batch.Where(r => store.Uploads.HasBytes(r.Id)).ToList();
            if (list.Count == 0) continue;
            var first = list[0];
            var files = list.Select(r => new UploadFile(r.FileName, () => store.Uploads.OpenBytes(r.Id))).ToList();
            var options = new UploadOptions(first.Project, first.Name, first.Tags);
            await _writer.WaitAsync(cancellationToken);
            try
            {
                var report = await WithRetriesAsync(() => Import(files, options, cancellationToken, replacing: list), cancellationToken);
                reports.AddRange(report.Files);
                runs.AddRange(report.Runs);
            }
            finally
            {
                _writer.Release();
            }
        }
        return new ImportReport { Files = reports, Runs = runs };
    }

    private sealed class Parsed(UploadFile file, string uploadId, BundleEntry entry, string group, FileImport import)
    {
        public UploadFile File { get; } = file;
        public string UploadId { get; } = uploadId;
        public BundleEntry Entry { get; } = entry;
        public string Group { get; } = group;
        public FileImport Import { get; } = import;
        public List<ImportProblem> Notes { get; } = [];
    }

    /// <summary>One file of the upload as received: its bytes' hash, the upload id it is stored under, and why it is unusable.</summary>
    private sealed record ReceivedFile(UploadFile File, string Sha, string UploadId, string Name, string? Error);

    private sealed class Combined(RunDraft draft, Parsed source)
    {
        public RunDraft Draft { get; } = draft;
        public Parsed Source { get; } = source;
        public HashSet<string> UploadIds { get; } = [source.UploadId];
        public List<MetricInfo> MovedMetrics { get; } = [];
    }

    private ImportReport Import(IReadOnlyList<UploadFile> files, UploadOptions options, CancellationToken cancellationToken, IReadOnlyList<UploadRecord>? replacing = null)
    {
        UploadRecord? continuing = null;
        var now = time.GetUtcNow().UtcDateTime;
        var batchId = replacing?.FirstOrDefault()?.BatchId ?? RunIds.New();
        var reports = new List<FileReport>();
        var duplicateRuns = new List<Run>();
        var parsed = new List<Parsed>();
        var uploads = new List<ReceivedFile>();

        var timings = new ImportTimings();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var hints = HintsFor(options);
        using var staged = store.BeginImport();
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var name = SafeName(file.FileName);
            var receiving = file.Receiving;
            // A file still arriving is hashed by its receiver; the hash comes when it is complete.
            var sha = "";
            if (receiving is null)
            {
                var hashStart = clock.Elapsed;
                sha = file.Sha256 ?? HashOf(file);
                timings.HashSeconds += (clock.Elapsed - hashStart).TotalSeconds;
                if (replacing is null && FindDuplicate(sha) is { } previous)
                {
                    ReportDuplicate(previous, name);
                    continue;
                }
                // A log uploaded again after it grew (a training script curling its log every few minutes)
                // continues its run instead of making a new one.
                if (replacing is null && continuing is null && files.Count == 1 && !IsZip(file)) continuing = FindContinuation(file, name, options);
            }
            var uploadId = replacing?[i].Id ?? file.ParkedAs ?? RunIds.New();
            string? error = null;
            var parseStart = clock.Elapsed;
            if (IsZip(file))
            {
                error = ParseZip(file, name, uploadId, staged, parsed, hints, cancellationToken);
            }
            else
            {
                var import = ingestor.Ingest(name, file.Open, staged, hints, cancellationToken);
                parsed.Add(new Parsed(file, uploadId, new BundleEntry(name, "", null, file.Open), BatchGroup, import));
            }
            timings.ParseSeconds += (clock.Elapsed - parseStart).TotalSeconds;
            if (receiving is not null)
            {
                // The file was parsed while it arrived; what needs all of it comes now: the hash, the fields sent
                // after the file, the check for bytes seen before and for a log that grew.
                string? received;
                (received, options) = receiving.WaitUntilComplete(cancellationToken);
                timings.ParsedWhileReceiving = true;
                if (!SameHints(HintsFor(options), hints)) throw new GrowingFile.ReadAgainException();
                var hashStart = clock.Elapsed;
                sha = received ?? HashIfSeenSize(file);
                timings.HashSeconds += (clock.Elapsed - hashStart).TotalSeconds;
                if (sha.Length > 0 && FindDuplicate(sha) is { } previous)
                {
                    // Its parsed series are not published: chunks of drafts that become no run go at commit.
                    parsed.RemoveAll(p => p.UploadId == uploadId);
                    ReportDuplicate(previous, name);
                    continue;
                }
                if (continuing is null && files.Count == 1 && error is null) continuing = FindContinuation(file, name, options);
            }
            uploads.Add(new ReceivedFile(file, sha, uploadId, name, error));
        }

        void ReportDuplicate((UploadRecord Record, List<Run> Runs) previous, string name)
        {
            duplicateRuns.AddRange(previous.Runs);
            reports.Add(new FileReport
            {
                FileName = name, UploadId = previous.Record.Id, Format = previous.Record.Format, Duplicate = true,
                RunIds = previous.Runs.Select(r => r.Id).ToList(),
                FormatReason = $"the same bytes were uploaded on {previous.Record.UploadedAt:yyyy-MM-dd HH:mm} UTC as {previous.Record.FileName}",
            });
        }

        var combined = Combine(parsed, staged);
        var runs = combined.Select(c => ToRun(c, options, combined.Count, now)).ToList();
        if (replacing is not null) KeepRunIds(runs, replacing, staged);
        else if (continuing is not null && runs.Count > 0) KeepRunIds(runs, [continuing], staged);
        var runOfDraft = new Dictionary<string, string>();
        foreach (var (c, run) in combined.Zip(runs)) runOfDraft[c.Draft.Id] = run.Id;

        var records = new List<UploadRecord>();
        var archiveLater = new List<string>();
        foreach (var (file, sha, uploadId, name, error) in uploads)
        {
            var mine = parsed.Where(p => p.UploadId == uploadId).ToList();
            var runIds = runs.Where(r => r.UploadIds.Contains(uploadId)).Select(r => r.Id).ToList();
            // A large upload not hashed yet is hashed when its bytes are archived; one that keeps no bytes, now.
            var recordSha = sha.Length > 0 || (runIds.Count > 0 && file.ParkedAs is not null) ? sha : HashOf(file);
            var record = new UploadRecord
            {
                Id = uploadId, FileName = name, Sha256 = recordSha, UploadedAt = replacing?.First(r => r.Id == uploadId).UploadedAt ?? now,
                BatchId = batchId, Status = runIds.Count > 0 ? UploadRecord.Imported : UploadRecord.Rejected,
                Format = mine.Select(p => p.Import.Format).FirstOrDefault(f => f is not null) is { } f && mine.Count == 1 ? f : mine.Count > 1 ? "zip" : null,
                Error = runIds.Count > 0 ? null : error ?? string.Join("; ", mine.Select(p => p.Import.Error).Where(e => e is not null)),
                RunIds = runIds, Project = options.Project, Name = options.Name, Tags = options.Tags?.ToList() ?? [],
            };
            if (replacing is null && !IsEmpty(file))
            {
                // Only imported files keep their bytes; a rejected one keeps its name, size, hash and why, so
                // junk sent to the dashboard does not grow the database.
                var keepStart = clock.Elapsed;
                using var bytes = file.Open();
                if (runIds.Count > 0 && file.ParkedAs is not null)
                {
                    record.Size = CountBytes(bytes);
                    archiveLater.Add(uploadId);
                }
                else
                {
                    record.Size = runIds.Count > 0 ? store.Uploads.StoreBytes(uploadId, name, bytes) : CountBytes(bytes);
                }
                timings.KeepBytesSeconds += (clock.Elapsed - keepStart).TotalSeconds;
                records.Add(record);
            }
            else if (replacing is not null)
            {
                record.Size = replacing.First(r => r.Id == uploadId).Size;
                records.Add(record);
            }
            if (error is not null) reports.Add(new FileReport { FileName = name, UploadId = uploadId, Error = error });
        }
        foreach (var p in parsed)
        {
            reports.Add(new FileReport
            {
                ContinuesUploadId = continuing is not null && runs.Count > 0 ? continuing.Id : null,
                FileName = p.Import.FileName, UploadId = p.UploadId, Format = p.Import.Format,
                FormatDescription = p.Import.FormatDescription, FormatReason = p.Import.FormatReason, Error = p.Import.Error,
                RunIds = p.Import.Runs.Select(d => runOfDraft.GetValueOrDefault(d.Id)).OfType<string>().Distinct().ToList(),
                Problems = p.Import.Problems.Concat(p.Notes).ToList(), ProblemCount = p.Import.ProblemCount + p.Notes.Count,
                LinesRead = p.Import.LinesRead, LinesRepaired = p.Import.LinesRepaired,
                Lines = p.Import.Lines, Notes = p.Import.Notes, Readings = p.Import.Readings,
            });
        }

        if (replacing is not null && runs.Count == 0)
        {
            // Today's parsers found nothing where older ones did: keep the old runs rather than lose them.
            staged.Abort();
            return new ImportReport { Files = reports, Runs = [] };
        }
        // A re-import replaces the old runs of those uploads in the same transaction that adds the new ones.
        var replaced = replacing?.SelectMany(r => r.RunIds).Distinct().ToList() ?? [];
        if (continuing is not null && runs.Count > 0) replaced = [.. continuing.RunIds];
        var commitStart = clock.Elapsed;
        if (runs.Count > 0 || records.Count > 0) staged.Commit(runs, records, replaced);
        else staged.Abort();
        store.Uploads.Archive(archiveLater);
        timings.CommitSeconds = (clock.Elapsed - commitStart).TotalSeconds;
        // The new bytes hold the old ones as their start, so the shorter copy can go once the runs moved over.
        if (continuing is not null && runs.Count > 0) store.Uploads.Delete(continuing.Id);

        timings.TotalSeconds = clock.Elapsed.TotalSeconds;
        return new ImportReport { Files = reports, Runs = runs.Concat(duplicateRuns).ToList(), Timings = timings };
    }
}

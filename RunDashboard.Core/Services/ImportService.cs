using System.Security.Cryptography;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Connects ingestion to storage: hashes each file (a file seen before returns its runs), expands zips, parses
/// every file straight into a staged import, groups the files of one run (a zip folder, or files sent together),
/// keeps every file's bytes, and publishes the runs all at once or not at all.
/// </summary>
public sealed partial class ImportService(RunStore store, Ingestor ingestor, TimeProvider time)
{
    private const string BatchGroup = "";
    // One per service (one per store): two dashboards in one process, as in tests, do not queue behind each other.
    private readonly SemaphoreSlim _writer = new(1, 1);
    // Uploads up to SmallUploadBytes have a lane of their own, so a training script's small log is not queued
    // for minutes behind a gigabyte import; LiteDB serialises the two only per collection and per batch.
    private const long SmallUploadBytes = 64L * 1024 * 1024;
    private readonly SemaphoreSlim _smallWriter = new(1, 1);

    public Ingestor Ingestor => ingestor;

    public async Task<ImportReport> ImportAsync(IReadOnlyList<UploadFile> files, UploadOptions options, CancellationToken cancellationToken = default)
    {
        // One import at a time per lane: LiteDB has one writer, and a queue beats interleaved transactions.
        var lane = files.Sum(f => { using var s = f.Open(); return s.CanSeek ? s.Length : long.MaxValue / 1024; }) <= SmallUploadBytes ? _smallWriter : _writer;
        await lane.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => Import(files, options, cancellationToken), cancellationToken);
        }
        finally
        {
            lane.Release();
        }
    }

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
                var report = await Task.Run(() => Import(files, options, cancellationToken, replacing: list), cancellationToken);
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
        var uploads = new List<(UploadFile File, string Sha, string UploadId, string Name, string? Error)>();

        var hints = HintsFor(options);
        using var staged = store.BeginImport();
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var name = SafeName(file.FileName);
            string sha;
            using (var s = file.Open()) sha = Convert.ToHexStringLower(SHA256.HashData(s));

            if (replacing is null && FindDuplicate(sha) is { } previous)
            {
                duplicateRuns.AddRange(previous.Runs);
                reports.Add(new FileReport
                {
                    FileName = name, UploadId = previous.Record.Id, Format = previous.Record.Format, Duplicate = true,
                    RunIds = previous.Runs.Select(r => r.Id).ToList(),
                    FormatReason = $"the same bytes were uploaded on {previous.Record.UploadedAt:yyyy-MM-dd HH:mm} UTC as {previous.Record.FileName}",
                });
                continue;
            }
            // A log uploaded again after it grew (a training script curling its log every few minutes)
            // continues its run instead of making a new one.
            if (replacing is null && continuing is null && files.Count == 1 && !IsZip(file)) continuing = FindContinuation(file, name, options);
            var uploadId = replacing?[i].Id ?? RunIds.New();
            string? error = null;
            if (IsZip(file))
            {
                error = ParseZip(file, name, uploadId, staged, parsed, hints, cancellationToken);
            }
            else
            {
                var import = ingestor.Ingest(name, file.Open, staged, hints, cancellationToken);
                parsed.Add(new Parsed(file, uploadId, new BundleEntry(name, "", null, file.Open), BatchGroup, import));
            }
            uploads.Add((file, sha, uploadId, name, error));
        }

        var combined = Combine(parsed, staged);
        var runs = combined.Select(c => ToRun(c, options, combined.Count, now)).ToList();
        if (replacing is not null) KeepRunIds(runs, replacing, staged);
        else if (continuing is not null && runs.Count > 0) KeepRunIds(runs, [continuing], staged);
        var runOfDraft = new Dictionary<string, string>();
        foreach (var (c, run) in combined.Zip(runs)) runOfDraft[c.Draft.Id] = run.Id;

        var records = new List<UploadRecord>();
        foreach (var (file, sha, uploadId, name, error) in uploads)
        {
            var mine = parsed.Where(p => p.UploadId == uploadId).ToList();
            var runIds = runs.Where(r => r.UploadIds.Contains(uploadId)).Select(r => r.Id).ToList();
            var record = new UploadRecord
            {
                Id = uploadId, FileName = name, Sha256 = sha, UploadedAt = replacing?.First(r => r.Id == uploadId).UploadedAt ?? now,
                BatchId = batchId, Status = runIds.Count > 0 ? UploadRecord.Imported : UploadRecord.Rejected,
                Format = mine.Select(p => p.Import.Format).FirstOrDefault(f => f is not null) is { } f && mine.Count == 1 ? f : mine.Count > 1 ? "zip" : null,
                Error = runIds.Count > 0 ? null : error ?? string.Join("; ", mine.Select(p => p.Import.Error).Where(e => e is not null)),
                RunIds = runIds, Project = options.Project, Name = options.Name, Tags = options.Tags?.ToList() ?? [],
            };
            if (replacing is null && !IsEmpty(file))
            {
                // Only imported files keep their bytes; a rejected one keeps its name, size, hash and why, so
                // junk sent to the dashboard does not grow the database.
                using var bytes = file.Open();
                record.Size = runIds.Count > 0 ? store.Uploads.StoreBytes(uploadId, name, bytes) : CountBytes(bytes);
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
        if (runs.Count > 0 || records.Count > 0) staged.Commit(runs, records, replaced);
        else staged.Abort();
        // The new bytes hold the old ones as their start, so the shorter copy can go once the runs moved over.
        if (continuing is not null && runs.Count > 0) store.Uploads.Delete(continuing.Id);

        return new ImportReport { Files = reports, Runs = runs.Concat(duplicateRuns).ToList() };
    }

    /// <summary>
    /// A re-import gives the new runs the ids of the runs they replace (same name first, then in order), so a
    /// link pasted in chat last month still opens the run.
    /// </summary>
    private void KeepRunIds(List<Run> runs, IReadOnlyList<UploadRecord> replacing, StagedImport staged)
    {
        var old = replacing.SelectMany(r => r.RunIds).Distinct().Select(store.GetRun).OfType<Run>().ToList();
        var free = old.ToList();
        var assigned = new Dictionary<Run, string>();
        foreach (var run in runs)
        {
            if (free.FirstOrDefault(o => o.Name == run.Name) is { } same) { assigned[run] = same.Id; free.Remove(same); }
        }
        foreach (var run in runs.Where(r => !assigned.ContainsKey(r)))
        {
            if (free.Count == 0) break;
            assigned[run] = free[0].Id;
            free.RemoveAt(0);
        }
        foreach (var (run, id) in assigned)
        {
            foreach (var metric in run.Metrics) staged.MoveSeries(run.Id, id, metric.Key);
            run.Id = id;
            run.CreatedAt = old.First(o => o.Id == id).CreatedAt;
        }
    }

    /// <summary>
    /// An earlier upload of the same file name, project and run name whose bytes are exactly the start of this
    /// file: the same log, grown. Only the few newest candidates are hashed.
    /// </summary>
    private UploadRecord? FindContinuation(UploadFile file, string name, UploadOptions options)
    {
        long size;
        using (var s = file.Open()) size = s.CanSeek ? s.Length : -1;
        var candidates = store.Uploads.List()
            .Where(u => u.FileName == name && u.Status == UploadRecord.Imported && u.RunIds.Count > 0 && u.Size > 0
                        && (size < 0 || u.Size < size) && u.Project == options.Project && u.Name == options.Name)
            .OrderByDescending(u => u.UploadedAt).Take(5);
        foreach (var candidate in candidates)
        {
            using var s = file.Open();
            using var prefix = new PrefixStream(s, candidate.Size);
            if (prefix.Available < candidate.Size) continue;
            if (Convert.ToHexStringLower(SHA256.HashData(prefix)) == candidate.Sha256) return candidate;
        }
        return null;
    }

    private (UploadRecord Record, List<Run> Runs)? FindDuplicate(string sha)
    {
        var previous = store.Uploads.FindBySha256(sha);
        if (previous is not { Status: UploadRecord.Imported }) return null;
        var runs = previous.RunIds.Select(store.GetRun).OfType<Run>().ToList();
        return runs.Count > 0 ? (previous, runs) : null;
    }

    /// <summary>Parses each usable member of a zip; returns why the zip as a whole is unusable, or null.</summary>
    /// <summary>
    /// Hints given with an upload are remembered for its project; an upload without hints uses the project's.
    /// </summary>
    private ReadingHints HintsFor(UploadOptions options)
    {
        var project = options.Project is { Length: > 0 } p ? p : UploadOptions.DefaultProject;
        if (options.Hints is { IsEmpty: false } given)
        {
            store.SaveReadingHints(project, given);
            return given;
        }
        return store.GetReadingHints(project) ?? ReadingHints.None;
    }

    private string? ParseZip(UploadFile file, string name, string uploadId, StagedImport staged, List<Parsed> parsed, ReadingHints hints, CancellationToken cancellationToken)
    {
        var skipped = new List<string>();
        OpenedZip zip;
        try
        {
            zip = ZipBundle.Open(file.Open, skipped);
        }
        catch (InvalidDataException ex)
        {
            return $"{name} is not a readable zip archive: {ex.Message}";
        }
        using var _ = zip;
        var entries = zip.Entries;
        if (entries.Count == 0)
        {
            return $"{name} holds no log, export or settings file{(skipped.Count > 0 ? $" (left out: {string.Join(", ", skipped.Take(5))})" : "")}";
        }
        foreach (var entry in entries)
        {
            var import = ingestor.Ingest($"{name}/{entry.Path}", entry.Open, staged, hints, cancellationToken);
            parsed.Add(new Parsed(file, uploadId, entry, uploadId + "/" + entry.Folder, import));
        }
        return null;
    }

    /// <summary>
    /// The files of one group (a zip folder, or the files sent together) become runs: settings files attach to
    /// the run they belong to; a trainer_state.json and the console log beside it are one run, the structured
    /// file's copy of a metric winning over the log's.
    /// </summary>
    private static List<Combined> Combine(List<Parsed> parsed, StagedImport staged)
    {
        var result = new List<Combined>();
        foreach (var group in parsed.Where(p => p.Import.Succeeded).GroupBy(p => p.Group))
        {
            var drafts = group.SelectMany(p => p.Import.Runs.Select(d => new Combined(d, p))).ToList();
            var settings = drafts.Where(c => c.Draft.IsSettingsOnly).ToList();
            var metrics = drafts.Where(c => !c.Draft.IsSettingsOnly).ToList();
            // issue-12 archives: the parts of a run folder (TensorBoard train/validation, MLflow, W&B files) become one run.
            JoinRunFolderParts(metrics, settings, staged);

            var state = metrics.FirstOrDefault(c => c.Source.Import.Format == "hf-trainer-state");
            if (state is not null && metrics.Count > 1 && metrics.All(c => c.Source.Import.Runs.Count == 1))
            {
                foreach (var other in metrics.Where(c => c != state)) MergeInto(state, other, staged);
                metrics = [state];
            }

            foreach (var s in settings)
            {
                var targets = metrics.Count == 1 ? metrics : metrics.Where(m => SharesNameToken(s.Source.Entry.FileName, m.Source.Entry.FileName)).ToList();
                if (targets.Count == 0 && group.Key != BatchGroup) targets = metrics;
                if (targets.Count == 0)
                {
                    result.Add(s);
                    continue;
                }
                foreach (var t in targets)
                {
                    foreach (var (k, v) in s.Draft.Hyperparameters) t.Draft.Hyperparameters.TryAdd(k, v);
                    t.UploadIds.Add(s.Source.UploadId);
                }
            }
            result.AddRange(metrics);
        }
        return result;
    }

    private static void MergeInto(Combined target, Combined other, StagedImport staged)
    {
        var keys = target.Draft.Series.Select(s => s.Key).Concat(target.MovedMetrics.Select(m => m.Key)).ToHashSet();
        foreach (var series in other.Draft.Series)
        {
            var info = series.ToInfo();
            if (keys.Contains(info.Key))
            {
                staged.DropSeries(other.Draft.Id, info.Key);
                other.Source.Notes.Add(new ImportProblem(other.Source.Import.FileName, 0,
                    $"'{info.Key}' is also in {target.Source.Entry.FileName}; kept that copy"));
                continue;
            }
            staged.MoveSeries(other.Draft.Id, target.Draft.Id, info.Key);
            target.MovedMetrics.Add(info);
            keys.Add(info.Key);
        }
        foreach (var (k, v) in other.Draft.Hyperparameters) target.Draft.Hyperparameters.TryAdd(k, v);
        foreach (var (k, v) in other.Draft.Summary) target.Draft.Summary.TryAdd(k, v);
        target.Draft.Events.AddRange(other.Draft.Events);
        target.UploadIds.Add(other.Source.UploadId);
    }

    /// <summary>"adapter_config_run4.json" belongs with "run4_train.log": they share a word other than the generic ones.</summary>
    private static bool SharesNameToken(string a, string b)
    {
        static HashSet<string> Words(string name) => Path.GetFileNameWithoutExtension(name).ToLowerInvariant()
            .Split(['_', '-', '.', ' '], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 1 && w is not ("adapter" or "config" or "training" or "train" or "args" or "log" or "stdout" or "output"))
            .ToHashSet();
        return Words(a).Overlaps(Words(b));
    }

    private static Run ToRun(Combined c, UploadOptions options, int runCount, DateTime now)
    {
        var draft = c.Draft;
        var folder = c.Source.Entry.Folder.Length > 0 ? c.Source.Entry.Folder.Split('/')[^1] : null;
        var fileBase = folder ?? Path.GetFileNameWithoutExtension(c.Source.File.FileName);
        // Runs after the first of one log carry " (2)", " (3)"… after the name the first one gets.
        var name = (options.Name is { Length: > 0 } given
            ? (runCount == 1 || draft.NameSuffix.Length > 0 ? given : $"{given} · {draft.Name ?? fileBase}")
            : draft.Name ?? fileBase) + draft.NameSuffix;
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
            Format = c.Source.Import.Format ?? "",
            UploadIds = c.UploadIds.ToList(),
            Hyperparameters = draft.Hyperparameters.Select(kv => new Hyperparameter(kv.Key, kv.Value)).ToList(),
            Summary = draft.Summary.Select(kv => new SummaryValue(kv.Key, kv.Value)).ToList(),
            Metrics = draft.Series.Select(s => s.ToInfo()).Concat(c.MovedMetrics).ToList(),
            Events = draft.Events.OrderBy(e => e.Step).ToList(),
            DataVersion = 1,
        };
    }

    private static bool IsZip(UploadFile file)
    {
        Span<byte> head = stackalloc byte[4];
        using var s = file.Open();
        var n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return n == 4 && ZipBundle.IsZip(head);
    }

    private static long CountBytes(Stream s)
    {
        if (s.CanSeek) return s.Length;
        var buffer = new byte[81920];
        long n = 0;
        int read;
        while ((read = s.Read(buffer)) > 0) n += read;
        return n;
    }

    private static bool IsEmpty(UploadFile file)
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

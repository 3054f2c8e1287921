using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.WandB;

/// <summary>
/// Mirrors W&amp;B projects into the store. Every sync re-reads every run's metadata (tags can be added after a run
/// finished), but fetches history only past the last step read, and not at all for a finished run whose stored rows
/// agree with W&amp;B's <c>historyLineCount</c>. History is read in whole windows (<see cref="WandbHistoryScan"/>).
/// Each run is committed on its own, so an interrupted sync resumes where it stopped without duplicate points.
/// </summary>
public sealed class WandbSync(WandbClient client, RunStore store, WandbProjectStore projects, WandbRequestCounter counter,
    IOptions<WandbOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<ProjectSyncResult>> SyncAsync(IReadOnlyList<string> projectNames, bool force,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<ProjectSyncResult>();
        client.StartRound();
        foreach (var name in projectNames)
        {
            var result = await SyncProjectAsync(name, force, progress, cancellationToken);
            projects.SaveResult(result);
            results.Add(result);
        }
        return results;
    }

    /// <summary>Splits <c>entity/project</c>; anything else is refused with the reason.</summary>
    public static (string Entity, string Project)? ParseProject(string text)
    {
        var parts = text.Trim().Split('/', StringSplitOptions.TrimEntries);
        return parts.Length == 2 && parts.All(p => p.Length > 0 && p.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.')) ? (parts[0], parts[1]) : null;
    }

    private async Task<ProjectSyncResult> SyncProjectAsync(string projectName, bool force, IProgress<SyncProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var requestsBefore = counter.Count;
        var errors = new List<string>();
        int seen = 0, created = 0, updated = 0, deleted = 0;
        long points = 0;
        if (ParseProject(projectName) is not var (entity, project))
        {
            return new ProjectSyncResult { Project = projectName, Errors = [$"'{projectName}' is not entity/project"], FinishedAt = time.GetUtcNow().UtcDateTime };
        }

        var stored = store.WandbRuns(entity, project);
        var listed = new HashSet<string>();
        var problems = new List<string>();
        long problemCount = 0;
        var incomplete = new List<string>();
        var complete = false;
        var rateLimited = false;
        try
        {
            string? cursor = null;
            int? total = null;
            do
            {
                var page = await client.ListRunsAsync(entity, project, cursor, cancellationToken);
                total ??= page.RunCount;
                foreach (var remote in page.Runs)
                {
                    if (!listed.Add(remote.Name)) continue; // a run listed twice (the order changed between pages) is synced once
                    stored.TryGetValue(remote.Name, out var existing);
                    Note(problems, remote.Name, remote.Problems);
                    try
                    {
                        var outcome = await SyncRunAsync(entity, project, remote, existing, force, cancellationToken);
                        points += outcome.Added;
                        Note(problems, remote.Name, outcome.Problems);
                        if (outcome.Incomplete is { } note) incomplete.Add($"{remote.Name}: {note}");
                        if (existing is null) created++;
                        else if (outcome.Added > 0 || force) updated++;
                        if (outcome.Stopped is { } stop)
                        {
                            seen++;
                            throw stop;
                        }
                    }
                    catch (WandbException ex) when (ex.Kind is WandbError.GraphQl or WandbError.BadResponse)
                    {
                        // One broken run does not stop the project; its history resumes next time.
                        errors.Add($"{remote.Name}: {ex.Message}");
                    }
                    seen++;
                    progress?.Report(new SyncProgress(projectName, seen, Math.Max(total ?? seen, seen), points));
                }
                if (page.HasNextPage && (page.EndCursor is null || page.EndCursor == cursor))
                {
                    // A next page that starts where this one did would be asked for forever.
                    throw new WandbException(WandbError.BadResponse, $"W&B's run listing did not move past cursor '{cursor}'; stopped after {seen} runs");
                }
                cursor = page.HasNextPage ? page.EndCursor : null;
            }
            while (cursor is not null);
            complete = true;
        }
        catch (WandbException ex)
        {
            rateLimited = ex.Kind == WandbError.RateLimited;
            errors.Add(ex.Message);
        }

        // Only a listing that went to the end can say a run is gone.
        if (complete)
        {
            foreach (var run in stored.Values.Where(r => !listed.Contains(r.Wandb!.Name) && r.State != RunStates.Deleted))
            {
                run.State = RunStates.Deleted;
                run.UpdatedAt = time.GetUtcNow().UtcDateTime;
                using var staged = store.BeginImport();
                staged.Commit([run], []);
                deleted++;
            }
        }
        if (problemCount > problems.Count) problems.Add($"… and {problemCount - problems.Count} more problems");

        return new ProjectSyncResult
        {
            Project = projectName, Runs = seen, NewRuns = created, UpdatedRuns = updated, DeletedRuns = deleted, NewPoints = points,
            Requests = counter.Count - requestsBefore, Errors = errors, Problems = problems, Incomplete = incomplete, RateLimited = rateLimited,
            FinishedAt = time.GetUtcNow().UtcDateTime,
            Seconds = time.GetElapsedTime(started).TotalSeconds,
        };

        void Note(List<string> into, string run, IEnumerable<string> found)
        {
            foreach (var problem in found)
            {
                problemCount++;
                if (into.Count < MaxProblems) into.Add($"{run}: {problem}");
            }
        }
    }

    /// <summary>The report keeps this many problems per project (it is stored with the project); past it only the count goes on.</summary>
    private const int MaxProblems = 200;

    /// <summary>What syncing one run did; <paramref name="Stopped"/> is the rate limit or outage that ended the round after its prefix was kept.</summary>
    private sealed record RunOutcome(long Added, IReadOnlyList<string> Problems, string? Incomplete, WandbException? Stopped = null);

    /// <summary>
    /// Stores one run's metadata and its new history in one commit. The history read continues after the last step
    /// read when the stored rows are a faithful copy; otherwise (never counted, or disagreeing with W&amp;B's count)
    /// the run is read again whole and replaces what was stored.
    /// </summary>
    private async Task<RunOutcome> SyncRunAsync(string entity, string project, WandbRun remote, Run? existing, bool force, CancellationToken cancellationToken)
    {
        var info = existing?.Wandb;
        var finished = remote.State is not (RunStates.Running or "pending" or "");
        var reread = force || info is null || !info.HistoryVerified;
        var upToDate = !reread && info!.HistoryComplete
            && (remote.LastStep is null || remote.LastStep <= info.LastStep)
            && (remote.HistoryLineCount is null || remote.HistoryLineCount == info.HistoryRows);
        var replace = reread && existing is not null;
        var lastRead = reread ? -1 : info!.LastStep;
        var rowsBefore = reread ? 0 : info!.HistoryRows;

        using var staged = store.BeginImport();
        var context = new ImportContext($"wandb:{entity}/{project}/{remote.Name}", staged);
        var draft = context.Run();
        draft.Id = existing?.Id ?? RunIds.New();
        var scan = new WandbHistoryScan(client, entity, project, remote.Name, options.Value.HistoryPageSize);
        long added = 0;
        var scanned = false;
        WandbException? stopped = null;
        if (!upToDate && (remote.LastStep is null || remote.LastStep > lastRead || remote.HistoryLineCount != rowsBefore))
        {
            scanned = true;
            var writers = new Dictionary<string, SeriesWriter>(StringComparer.Ordinal);
            try
            {
                await scan.RunAsync(lastRead + 1, remote.LastStep, (step, row) => added += AddRow(step, row), cancellationToken);
            }
            catch (WandbException ex) when (ex.Kind is WandbError.RateLimited or WandbError.Unavailable)
            {
                // Whole windows read so far are kept when they extend what is stored (not when they would replace
                // a fuller copy); the next sync continues from the window that failed.
                if (replace || scan.NextStep <= lastRead + 1) throw;
                stopped = ex;
            }

            long AddRow(long step, JsonElement row)
            {
                var seconds = row.TryGetProperty("_timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetDouble() : double.NaN;
                long points = 0;
                foreach (var p in row.EnumerateObject())
                {
                    if (HistoryColumns.Classify(p.Name) != HistoryColumns.Role.Metric || !WandbValues.TryNumber(p.Value, out var value)) continue;
                    if (!writers.TryGetValue(p.Name, out var writer))
                    {
                        writer = draft.Metric(p.Name, HistoryColumns.MetricKey(p.Name));
                        if (!reread && existing?.FindMetric(writer.Key) is not null) writer.ContinueAfter(store.NextSequence(draft.Id, writer.Key), lastRead);
                        writers[p.Name] = writer;
                    }
                    if (writer.Add(step, value, 0, seconds)) points++;
                }
                return points;
            }
        }
        context.Flush();

        var rows = rowsBefore + scan.Rows;
        // Everything up to W&B's last step has been asked for: steps it never logged are not asked for again.
        var readThrough = !scanned ? info?.LastStep ?? -1
            : stopped is not null ? scan.NextStep - 1
            : Math.Max(remote.LastStep ?? scan.LastRowStep, scan.LastRowStep);
        string? incomplete = null;
        bool verified;
        if (!scanned) verified = info?.HistoryVerified ?? true;
        else if (stopped is not null || !finished) verified = (reread || info!.HistoryVerified) && scan.ProblemCount == 0;
        else
        {
            // A finished run's rows are all in: they must agree with W&B's count, or something was missed.
            verified = scan.ProblemCount == 0 && (remote.HistoryLineCount is null || remote.HistoryLineCount == rows);
            if (!verified)
            {
                incomplete = remote.HistoryLineCount is { } count
                    ? string.Create(CultureInfo.InvariantCulture, $"stored {rows:N0} of {count:N0} history rows W&B counts; read again next sync")
                    : string.Create(CultureInfo.InvariantCulture, $"stored {rows:N0} history rows, {scan.ProblemCount:N0} could not be read; read again next sync");
            }
        }
        var historyRows = scanned ? rows : info?.HistoryRows ?? 0;
        // Also true without a scan: a run that finished since the last sync with nothing new is complete now.
        var historyComplete = finished && verified && stopped is null && readThrough >= (remote.LastStep ?? readThrough)
            && (remote.HistoryLineCount is null || remote.HistoryLineCount == historyRows);

        var now = time.GetUtcNow().UtcDateTime;
        var run = new Run
        {
            Id = draft.Id,
            Name = remote.DisplayName is { Length: > 0 } display ? display : remote.Name,
            Project = $"{entity}/{project}",
            Source = RunSource.Wandb,
            State = remote.State is { Length: > 0 } s ? s : RunStates.Unknown,
            Tags = [.. remote.Tags],
            CreatedAt = remote.CreatedAt ?? existing?.CreatedAt ?? now,
            UpdatedAt = now,
            Format = "wandb",
            ExternalUrl = AppUrl(entity, project, remote.Name),
            Hyperparameters = FlattenConfig(remote.Config),
            Summary = SummaryValues(remote.Summary),
            Metrics = MergeMetrics(replace ? [] : existing?.Metrics ?? [], draft.Series.Select(w => w.ToInfo())),
            Events = existing?.Events ?? [],
            DataVersion = (existing?.DataVersion ?? 0) + (added > 0 || replace ? 1 : 0),
            Wandb = new WandbRunInfo
            {
                Entity = entity, Project = project, Name = remote.Name, Group = remote.Group, JobType = remote.JobType, User = remote.User,
                Notes = remote.Notes, HeartbeatAt = remote.HeartbeatAt, LastStep = readThrough, SyncedAt = now,
                HistoryRows = historyRows, HistoryLineCount = remote.HistoryLineCount,
                HistoryVerified = verified, HistoryComplete = historyComplete,
            },
        };
        if (existing is not null && string.IsNullOrEmpty(run.Name)) run.Name = existing.Name;
        staged.Commit([run], [], replace ? [existing!.Id] : []);
        var problems = scan.Problems.ToList();
        if (scan.ProblemCount > scan.Problems.Count) problems.Add($"… and {scan.ProblemCount - scan.Problems.Count} more rows like these");
        return new RunOutcome(added, problems, incomplete, stopped);
    }

    private static List<MetricInfo> MergeMetrics(IReadOnlyList<MetricInfo> old, IEnumerable<MetricInfo> added)
    {
        var merged = old.ToDictionary(m => m.Key, m => new MetricInfo
        {
            Key = m.Key, Alias = m.Alias, Count = m.Count, FirstStep = m.FirstStep, LastStep = m.LastStep, LastValue = m.LastValue,
            Min = m.Min, Max = m.Max, NonFinite = m.NonFinite,
        });
        foreach (var m in added)
        {
            if (!merged.TryGetValue(m.Key, out var into) || into.Count == 0)
            {
                merged[m.Key] = m;
                continue;
            }
            into.Count += m.Count;
            into.LastStep = m.LastStep;
            into.LastValue = m.LastValue;
            into.Min = Math.Min(into.Min, m.Min);
            into.Max = Math.Max(into.Max, m.Max);
            into.NonFinite += m.NonFinite;
        }
        return merged.Values.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// W&amp;B config: <c>{"lr":{"desc":null,"value":1e-5}}</c> → <c>lr = 1e-5</c>; nested values flattened with dots.
    /// The Python client adds <c>_wandb</c> (its own metadata) and <c>wandb_version</c> to every config, and drops
    /// both when it reads a config back: neither was set by the user, so neither is a hyperparameter.
    /// </summary>
    internal static List<Hyperparameter> FlattenConfig(JsonElement config)
    {
        var result = new List<Hyperparameter>();
        if (config.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in config.EnumerateObject())
        {
            if (p.Name.StartsWith("_wandb", StringComparison.Ordinal) || p.Name == "wandb_version") continue;
            var value = p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("value", out var inner) ? inner : p.Value;
            Flatten(p.Name, value, result);
        }
        return result.OrderBy(h => h.Key, StringComparer.Ordinal).ToList();

        static void Flatten(string key, JsonElement value, List<Hyperparameter> into)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in value.EnumerateObject()) Flatten($"{key}.{p.Name}", p.Value, into);
                    break;
                case JsonValueKind.String: into.Add(new Hyperparameter(key, value.GetString()!)); break;
                case JsonValueKind.Null: into.Add(new Hyperparameter(key, "null")); break;
                default: into.Add(new Hyperparameter(key, value.GetRawText())); break;
            }
        }
    }

    /// <summary>
    /// Numeric summary values, non-finite ones included (a run whose loss ended NaN says so); the runtime comes from
    /// <c>_runtime</c> or <c>_wandb.runtime</c>, because W&amp;B has no top-level runtime field.
    /// </summary>
    internal static List<SummaryValue> SummaryValues(JsonElement summary)
    {
        var result = new List<SummaryValue>();
        if (summary.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in summary.EnumerateObject())
        {
            if (WandbValues.TryNumber(p.Value, out var value)) result.Add(new SummaryValue(p.Name, value));
        }
        if (result.All(s => s.Key != "_runtime") && summary.TryGetProperty("_wandb", out var w) && w.ValueKind == JsonValueKind.Object
            && w.TryGetProperty("runtime", out var rt) && rt.ValueKind == JsonValueKind.Number)
        {
            result.Add(new SummaryValue("_runtime", rt.GetDouble()));
        }
        return result;
    }

    private string AppUrl(string entity, string project, string name)
    {
        var api = new Uri(options.Value.BaseUrl);
        var host = api.Host.StartsWith("api.", StringComparison.OrdinalIgnoreCase) ? api.Host[4..] : api.Host;
        var port = api.IsDefaultPort ? "" : ":" + api.Port.ToString(CultureInfo.InvariantCulture);
        return $"{api.Scheme}://{host}{port}/{entity}/{project}/runs/{name}";
    }
}

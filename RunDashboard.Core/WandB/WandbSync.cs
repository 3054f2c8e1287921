using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.WandB;

/// <summary>
/// Mirrors W&amp;B projects into the store. Every sync re-reads every run's metadata (tags added after a run
/// finished are seen: seed 001), but fetches history only past the last stored step, and not at all for a
/// finished run whose history is complete. Each run is committed on its own, so an interrupted sync resumes
/// where it stopped without duplicate points.
/// </summary>
public sealed class WandbSync(WandbClient client, RunStore store, WandbProjectStore projects, WandbRequestCounter counter,
    IOptions<WandbOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<ProjectSyncResult>> SyncAsync(IReadOnlyList<string> projectNames, bool force,
        IProgress<SyncProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new List<ProjectSyncResult>();
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
        var complete = false;
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
                    listed.Add(remote.Name);
                    stored.TryGetValue(remote.Name, out var existing);
                    try
                    {
                        var added = await SyncRunAsync(entity, project, remote, existing, force, cancellationToken);
                        points += added;
                        if (existing is null) created++;
                        else if (added > 0 || force) updated++;
                    }
                    catch (WandbException ex) when (ex.Kind is WandbError.GraphQl or WandbError.BadResponse)
                    {
                        // One broken run does not stop the project; its history resumes next time.
                        errors.Add($"{remote.Name}: {ex.Message}");
                    }
                    seen++;
                    progress?.Report(new SyncProgress(projectName, seen, Math.Max(total ?? seen, seen), points));
                }
                cursor = page.HasNextPage ? page.EndCursor : null;
            }
            while (cursor is not null);
            complete = true;
        }
        catch (WandbException ex)
        {
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
        return new ProjectSyncResult
        {
            Project = projectName, Runs = seen, NewRuns = created, UpdatedRuns = updated, DeletedRuns = deleted, NewPoints = points,
            Requests = counter.Count - requestsBefore, Errors = errors, FinishedAt = time.GetUtcNow().UtcDateTime,
            Seconds = time.GetElapsedTime(started).TotalSeconds,
        };
    }

    /// <summary>Stores one run's metadata and its new history in one commit; returns the points added.</summary>
    private async Task<long> SyncRunAsync(string entity, string project, WandbRun remote, Run? existing, bool force, CancellationToken cancellationToken)
    {
        var lastStored = force || existing?.Wandb is null ? -1 : existing.Wandb.LastStep;
        var finished = remote.State is not (RunStates.Running or "pending" or "");
        var historyComplete = !force && existing?.Wandb is { HistoryComplete: true } && (remote.LastStep is null || remote.LastStep <= lastStored);
        var hasNewSteps = remote.LastStep is null ? !historyComplete : remote.LastStep > lastStored;

        using var staged = store.BeginImport();
        var context = new ImportContext($"wandb:{entity}/{project}/{remote.Name}", staged);
        var draft = context.Run();
        draft.Id = existing?.Id ?? RunIds.New();
        var lastStep = lastStored;
        long added = 0;
        if (hasNewSteps && !historyComplete)
        {
            var writers = new Dictionary<string, SeriesWriter>(StringComparer.Ordinal);
            var minStep = lastStored + 1;
            // maxStep is exclusive; with no lastStep from W&B, page until a short page.
            var maxStep = (remote.LastStep ?? long.MaxValue - 1) + 1;
            while (minStep < maxStep)
            {
                var rows = await client.HistoryPageAsync(entity, project, remote.Name, minStep, maxStep, cancellationToken);
                if (rows.Count == 0) break;
                foreach (var row in rows)
                {
                    if (!TryStep(row, out var step) || step <= lastStep) continue;
                    var seconds = row.TryGetProperty("_timestamp", out var ts) && ts.ValueKind == JsonValueKind.Number ? ts.GetDouble() : double.NaN;
                    foreach (var p in row.EnumerateObject())
                    {
                        if (HistoryColumns.Classify(p.Name) != HistoryColumns.Role.Metric || !TryNumber(p.Value, out var value)) continue;
                        if (!writers.TryGetValue(p.Name, out var writer))
                        {
                            writer = draft.Metric(p.Name, HistoryColumns.MetricKey(p.Name));
                            if (existing?.FindMetric(writer.Key) is not null && !force) writer.ContinueAfter(store.NextSequence(draft.Id, writer.Key), lastStored);
                            writers[p.Name] = writer;
                        }
                        writer.Add(step, value, 0, seconds);
                        added++;
                    }
                    lastStep = step;
                }
                if (rows.Count < options.Value.HistoryPageSize) break;
                minStep = lastStep + 1;
            }
            // Everything up to W&B's last step has been asked for: steps it never logged are not asked for again.
            if (remote.LastStep is { } reported && reported > lastStep) lastStep = reported;
        }
        context.Flush();

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
            Metrics = MergeMetrics(force ? [] : existing?.Metrics ?? [], draft.Series.Select(w => w.ToInfo())),
            Events = existing?.Events ?? [],
            DataVersion = (existing?.DataVersion ?? 0) + (added > 0 || force ? 1 : 0),
            Wandb = new WandbRunInfo
            {
                Entity = entity, Project = project, Name = remote.Name, Group = remote.Group, JobType = remote.JobType, User = remote.User,
                Notes = remote.Notes, HeartbeatAt = remote.HeartbeatAt, LastStep = lastStep, SyncedAt = now,
                HistoryComplete = finished && (remote.LastStep is null || lastStep >= remote.LastStep),
            },
        };
        if (existing is not null && string.IsNullOrEmpty(run.Name)) run.Name = existing.Name;
        staged.Commit([run], [], force && existing is not null ? [existing.Id] : []);
        return added;
    }

    private static bool TryStep(JsonElement row, out long step)
    {
        step = 0;
        return row.TryGetProperty("_step", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out step);
    }

    /// <summary>Numbers, and W&amp;B's "NaN"/"Infinity" strings; media, histograms and text are not series.</summary>
    private static bool TryNumber(JsonElement v, out double value)
    {
        value = 0;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number: return v.TryGetDouble(out value);
            case JsonValueKind.String:
                var text = v.GetString();
                if (text is "NaN" or "nan") { value = double.NaN; return true; }
                if (text is "Infinity" or "inf") { value = double.PositiveInfinity; return true; }
                if (text is "-Infinity" or "-inf") { value = double.NegativeInfinity; return true; }
                return false;
            case JsonValueKind.True: value = 1; return false;
            default: return false;
        }
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

    /// <summary>W&amp;B config: <c>{"lr":{"desc":null,"value":1e-5}}</c> → <c>lr = 1e-5</c>; nested values flattened with dots; <c>_wandb</c> dropped.</summary>
    internal static List<Hyperparameter> FlattenConfig(JsonElement config)
    {
        var result = new List<Hyperparameter>();
        if (config.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in config.EnumerateObject())
        {
            if (p.Name.StartsWith("_wandb", StringComparison.Ordinal)) continue;
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

    /// <summary>Numeric summary values; the runtime comes from <c>_runtime</c> or <c>_wandb.runtime</c> (seed 001: it is not a top-level field).</summary>
    internal static List<SummaryValue> SummaryValues(JsonElement summary)
    {
        var result = new List<SummaryValue>();
        if (summary.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in summary.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number) result.Add(new SummaryValue(p.Name, p.Value.GetDouble()));
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

using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using System.Security.Cryptography;

namespace RunDashboard.Core.Services;

/// <summary>Files that are one run become one run: settings beside their log, trainer_state.json with its console log, names.</summary>
public sealed partial class ImportService
{
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
}

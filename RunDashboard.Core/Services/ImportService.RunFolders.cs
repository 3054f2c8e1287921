using RunDashboard.Core.Ingest.Archives;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Run folders whose files are read one at a time: a Keras run's <c>train/</c> and <c>validation/</c> event files,
/// an MLflow run's metric, param and tag files and meta.yaml, a W&amp;B run's <c>output.log</c> with its config,
/// summary and metadata. Their drafts are parts of one run.
/// </summary>
public sealed partial class ImportService
{
    /// <summary>Formats that read one part of a run folder.</summary>
    private static readonly HashSet<string> RunFolderFormats = new(StringComparer.Ordinal)
    {
        new TfEventsFormat().Name, new MlflowFileStoreFormat().Name, new WandbFilesFormat().Name,
    };

    /// <summary>
    /// Joins the run-folder parts of one group into one run, in place: the other metric parts' series move into the
    /// first; settings parts give it their hyperparameters, summary, name, state, start time and tags. With no
    /// metric part, the group's one other metric draft (W&amp;B's output.log) is the run; with none at all, the
    /// first settings part is.
    /// </summary>
    private static void JoinRunFolderParts(List<Combined> metrics, List<Combined> settings, StagedImport staged)
    {
        var metricParts = metrics.Where(IsRunFolderPart).ToList();
        var settingParts = settings.Where(IsRunFolderPart).ToList();
        if (metricParts.Count + settingParts.Count == 0) return;
        var target = metricParts.FirstOrDefault() ?? (metrics.Count == 1 ? metrics[0] : null);
        if (target is null)
        {
            if (settingParts.Count == 0) return;
            target = settingParts[0];
            settingParts.RemoveAt(0);
            settings.Remove(target);
            metrics.Add(target);
        }
        foreach (var part in metricParts.Where(p => p != target))
        {
            MergeInto(target, part, staged);
            metrics.Remove(part);
        }
        foreach (var part in settingParts)
        {
            var (into, from) = (target.Draft, part.Draft);
            foreach (var (k, v) in from.Hyperparameters) into.Hyperparameters.TryAdd(k, v);
            foreach (var (k, v) in from.Summary) into.Summary.TryAdd(k, v);
            into.Name ??= from.Name;
            into.State ??= from.State;
            into.CreatedAt ??= from.CreatedAt;
            into.Project ??= from.Project;
            foreach (var tag in from.Tags.Where(t => !into.Tags.Contains(t))) into.Tags.Add(tag);
            target.UploadIds.Add(part.Source.UploadId);
            settings.Remove(part);
        }
    }

    private static bool IsRunFolderPart(Combined c) => c.Source.Import.Format is { } format && RunFolderFormats.Contains(format);
}

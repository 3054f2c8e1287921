namespace RunDashboard.Core.Ingest.Archives;

/// <summary>
/// Output folders whose files for one run are spread over subfolders, told from the paths of an archive: the run is
/// the folder above them. Keras' TensorBoard callback writes <c>&lt;run&gt;/train/</c> and <c>&lt;run&gt;/validation/</c>
/// event files; MLflow's file store <c>&lt;run&gt;/metrics/</c>, <c>params/</c>, <c>tags/</c> beside
/// <c>&lt;run&gt;/meta.yaml</c>; W&amp;B <c>run-*/files/</c> (with <c>run-*/logs/</c> holding W&amp;B's own debug logs);
/// Hugging Face Trainer <c>runs/&lt;date&gt;_&lt;host&gt;/</c> event files beside <c>trainer_state.json</c>.
/// </summary>
public sealed class RunFolderLayout
{
    private readonly HashSet<string> _mlflowRuns = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wandbFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _trainerOutputs = new(StringComparer.Ordinal);

    /// <param name="paths">Every file path of the archive, with '/' separators.</param>
    public RunFolderLayout(IEnumerable<string> paths)
    {
        var all = paths.ToList();
        var metas = all.Where(p => Name(p) == "meta.yaml").Select(Parent).ToHashSet(StringComparer.Ordinal);
        foreach (var path in all)
        {
            if (MlflowRunOf(path, metas) is { } run) _mlflowRuns.Add(run);
            if (Name(path) == "trainer_state.json") _trainerOutputs.Add(ZipBundle.FolderOf(path).Folder);
            if (Name(path) is WandbFilesFormat.SummaryFile or WandbFilesFormat.MetadataFile or "output.log" && IsWandbFilesFolder(Parent(path), all)) _wandbFiles.Add(Parent(path));
        }
    }

    /// <summary>False for files of these layouts that hold no run data: an experiment's meta.yaml, W&amp;B's debug logs, YAML other than the known files.</summary>
    public bool Keeps(string path)
    {
        var name = Name(path);
        var parent = Parent(path);
        if (name == "meta.yaml") return _mlflowRuns.Contains(parent);
        if (name == WandbFilesFormat.ConfigFile) return _wandbFiles.Contains(parent);
        if (name is "debug.log" or "debug-internal.log")
        {
            // W&B's own logs: wandb/debug.log, wandb/run-*/logs/debug.log (and -internal).
            return !(Name(parent) == "wandb" || Name(parent) == "logs" && IsWandbRunFolder(Parent(parent)));
        }
        return true;
    }

    /// <summary>The folder that groups the files of one run: the run folder above these layouts' subfolders.</summary>
    public string Fold(string path, string folder)
    {
        var parts = folder.Length == 0 ? [] : folder.Split('/');
        if (parts.Length > 0 && parts[^1] is "train" or "validation" && Name(path).StartsWith("events.out.tfevents.", StringComparison.Ordinal))
        {
            return string.Join('/', parts[..^1]);
        }
        // Hugging Face Trainer logs TensorBoard events to <output_dir>/runs/<date>_<host>/ by default: they belong to
        // the run of the trainer_state.json in <output_dir>.
        if (parts.Length >= 2 && parts[^2] == "runs" && Name(path).StartsWith("events.out.tfevents.", StringComparison.Ordinal)
            && string.Join('/', parts[..^2]) is var output && _trainerOutputs.Contains(output))
        {
            return output;
        }
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            if (MlflowFileStoreFormat.KeyFolders.Contains(parts[i]))
            {
                var run = string.Join('/', parts[..i]);
                if (_mlflowRuns.Contains(run)) return run;
            }
        }
        if (_wandbFiles.Contains(folder))
        {
            // run-*/files/ folds to run-*; files/ alone to the top, where the upload's name names the run.
            return parts[^1] == "files" ? string.Join('/', parts[..^1]) : folder;
        }
        return folder;
    }

    private static string? MlflowRunOf(string path, HashSet<string> metas)
    {
        var parts = path.Split('/');
        for (var i = 1; i < parts.Length - 1; i++)
        {
            if (!MlflowFileStoreFormat.KeyFolders.Contains(parts[i])) continue;
            var run = string.Join('/', parts[..i]);
            if (metas.Contains(run)) return run;
        }
        return null;
    }

    private static bool IsWandbFilesFolder(string folder, List<string> all) =>
        Name(folder) == "files" || all.Any(p => Parent(p) == folder && Name(p) is WandbFilesFormat.SummaryFile or WandbFilesFormat.MetadataFile);

    /// <summary>W&amp;B names run folders run-&lt;date&gt;_&lt;time&gt;-&lt;id&gt; (offline-run-… when offline).</summary>
    private static bool IsWandbRunFolder(string folder)
    {
        var name = Name(folder);
        return name.StartsWith("run-", StringComparison.Ordinal) || name.StartsWith("offline-run-", StringComparison.Ordinal);
    }

    private static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Parent(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : "";
}

namespace RunDashboard.Core.Ingest;

/// <summary>
/// One file of an upload: a file sent on its own, or a member of a zip. <see cref="Folder"/> groups the files of
/// one run (a zip's folder, with <c>checkpoint-N</c> folded into its parent); <see cref="Checkpoint"/> is that N.
/// </summary>
public sealed record BundleEntry(string Path, string Folder, int? Checkpoint, Func<Stream> Open)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

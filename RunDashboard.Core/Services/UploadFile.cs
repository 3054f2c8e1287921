namespace RunDashboard.Core.Services;

/// <summary>A file handed to an import. <see cref="Open"/> must give a fresh stream each call (a temp file, a stored upload).</summary>
public sealed record UploadFile(string FileName, Func<Stream> Open);

namespace RunDashboard.Core.Services;

/// <summary>
/// A file handed to an import. <see cref="Open"/> must give a fresh stream each call (a temp file, a stored upload).
/// <see cref="Sha256"/> (lower-case hex) is given when the receiver hashed the bytes as they arrived, which saves
/// the import a pass over the file. <see cref="ReceivedPath"/> names the received file on disk when the import may
/// take it over to keep the upload's bytes (a rename instead of a copy); the caller deletes it afterwards if it is
/// still there.
/// </summary>
public sealed record UploadFile(string FileName, Func<Stream> Open, string? Sha256 = null, string? ReceivedPath = null)
{
    /// <summary>Set once the import took the received file over: the upload id its bytes are kept under.</summary>
    internal string? ParkedAs { get; init; }

    /// <summary>Set when the file is still arriving: its hash and the form's final fields come when it is complete.</summary>
    internal GrowingFile? Receiving { get; init; }
}

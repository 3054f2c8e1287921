namespace RunDashboard.Core.Model;

/// <summary>
/// One uploaded file as received. Its bytes are kept (rejected files too) so a better parser can re-import it,
/// and its SHA-256 recognises the same file uploaded again.
/// </summary>
public sealed class UploadRecord
{
    public const string Imported = "imported";
    public const string Rejected = "rejected";

    public string Id { get; set; } = "";
    public string FileName { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Size { get; set; }
    public DateTime UploadedAt { get; set; }
    public string Status { get; set; } = Imported;
    public string? Format { get; set; }
    public string? Error { get; set; }
    public List<string> RunIds { get; set; } = [];

    /// <summary>The options the user gave with the upload, reused when it is re-imported.</summary>
    public string? Project { get; set; }
    public string? Name { get; set; }
    public List<string> Tags { get; set; } = [];

    /// <summary>Uploads sent together (one form submit, one zip) share a batch and may form one run.</summary>
    public string? BatchId { get; set; }
}

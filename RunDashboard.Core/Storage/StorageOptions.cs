namespace RunDashboard.Core.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>LiteDB file; relative paths are resolved against the app's content root. Created on first start.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "rundashboard.db");
}

using System.IO.Compression;

namespace RunDashboard.Core.Ingest;

/// <summary>A zip opened for one import: its usable entries, readable one at a time until it is disposed.</summary>
public sealed class OpenedZip(ZipArchive archive, IReadOnlyList<BundleEntry> entries) : IDisposable
{
    public IReadOnlyList<BundleEntry> Entries { get; } = entries;

    public void Dispose() => archive.Dispose();
}

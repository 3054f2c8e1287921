using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using System.Security.Cryptography;

namespace RunDashboard.Core.Services;

/// <summary>The files of an upload: zips opened once and read member by member, names, sizes, reading hints.</summary>
public sealed partial class ImportService
{
    /// <summary>
    /// Hints given with an upload are remembered for its project; an upload without hints uses the project's.
    /// </summary>
    private ReadingHints HintsFor(UploadOptions options)
    {
        var project = options.Project is { Length: > 0 } p ? p : UploadOptions.DefaultProject;
        if (options.Hints is { IsEmpty: false } given)
        {
            store.SaveReadingHints(project, given);
            return given;
        }
        return store.GetReadingHints(project) ?? ReadingHints.None;
    }

    /// <summary>Parses each usable member of a zip; returns why the zip as a whole is unusable, or null.</summary>
    private string? ParseZip(UploadFile file, string name, string uploadId, StagedImport staged, List<Parsed> parsed, ReadingHints hints, CancellationToken cancellationToken)
    {
        var skipped = new List<string>();
        OpenedZip zip;
        try
        {
            zip = ZipBundle.Open(file.Open, skipped);
        }
        catch (InvalidDataException ex)
        {
            return $"{name} is not a readable zip archive: {ex.Message}";
        }
        using var _ = zip;
        var entries = zip.Entries;
        if (entries.Count == 0)
        {
            return $"{name} holds no log, export or settings file{(skipped.Count > 0 ? $" (left out: {string.Join(", ", skipped.Take(5))})" : "")}";
        }
        foreach (var entry in entries)
        {
            var import = ingestor.Ingest($"{name}/{entry.Path}", entry.Open, staged, hints, cancellationToken);
            parsed.Add(new Parsed(file, uploadId, entry, uploadId + "/" + entry.Folder, import));
        }
        return null;
    }

    private static bool IsZip(UploadFile file)
    {
        Span<byte> head = stackalloc byte[4];
        using var s = file.Open();
        var n = s.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return n == 4 && ZipBundle.IsZip(head);
    }

    private static long CountBytes(Stream s)
    {
        if (s.CanSeek) return s.Length;
        var buffer = new byte[81920];
        long n = 0;
        int read;
        while ((read = s.Read(buffer)) > 0) n += read;
        return n;
    }

    private static bool IsEmpty(UploadFile file)
    {
        using var s = file.Open();
        return s.ReadByte() < 0;
    }

    /// <summary>Browsers and curl send bare names; a path in a name is never trusted.</summary>
    private static string SafeName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        return string.IsNullOrWhiteSpace(name) ? "upload" : name;
    }
}

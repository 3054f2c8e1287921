using System.IO.Compression;
using RunDashboard.Configuration;
using RunDashboard.Core.Services;

namespace RunDashboard.Security;

/// <summary>
/// The limits an upload is checked against before anything is parsed (the API and the upload page use the same
/// checks). Each answer names the limit, so the sender knows which setting to raise.
/// </summary>
public static class UploadChecks
{
    /// <summary>Project, run name and tags against <c>Limits:MaxProjectLength</c>, <c>MaxNameLength</c>, <c>MaxTags</c>, <c>MaxTagLength</c>.</summary>
    public static string? FieldProblem(UploadOptions options, LimitsOptions limits)
    {
        if (options.Name is { } name && name.Length > limits.MaxNameLength)
            return $"the run name has {name.Length:N0} characters, over Limits:MaxNameLength ({limits.MaxNameLength:N0})";
        if (options.Project is { } project && project.Length > limits.MaxProjectLength)
            return $"the project has {project.Length:N0} characters, over Limits:MaxProjectLength ({limits.MaxProjectLength:N0})";
        var tags = options.Tags ?? [];
        if (tags.Count > limits.MaxTags) return $"{tags.Count:N0} tags, over Limits:MaxTags ({limits.MaxTags:N0})";
        if (tags.FirstOrDefault(t => t.Length > limits.MaxTagLength) is { } tag)
            return $"a tag has {tag.Length:N0} characters, over Limits:MaxTagLength ({limits.MaxTagLength:N0})";
        return null;
    }

    /// <summary>
    /// A zip's central directory against <c>Limits:MaxZipEntries</c>, <c>MaxZipUncompressedBytes</c> and
    /// <c>MaxCompressionRatio</c>, and member names that climb out of the archive (<c>../</c>, <c>..\</c>, absolute).
    /// Null when the file is not a zip or passes. Only the directory is read, not the members.
    /// </summary>
    public static (bool TooLarge, string Detail)? ZipProblem(string fileName, Func<Stream> open, LimitsOptions limits)
    {
        using var stream = open();
        Span<byte> head = stackalloc byte[4];
        if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4 || !head.SequenceEqual("PK\u0003\u0004"u8)) return null;
        stream.Position = 0;
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException)
        {
            return null; // not readable as a zip: the import says so in its own words
        }
        using (zip)
        {
            var entries = zip.Entries;
            if (entries.Count > limits.MaxZipEntries)
                return (true, $"{fileName} has {entries.Count:N0} members, over Limits:MaxZipEntries ({limits.MaxZipEntries:N0})");
            long total = 0;
            foreach (var e in entries)
            {
                if (UnsafePath(e.FullName)) return (false, $"{fileName} has a member with an unsafe path ('{Shorten(e.FullName)}'): names may not climb out of the archive");
                total += e.Length;
            }
            if (total > limits.MaxZipUncompressedBytes)
                return (true, $"{fileName} unpacks to {total:N0} bytes, over Limits:MaxZipUncompressedBytes ({limits.MaxZipUncompressedBytes:N0})");
            var ratio = (double)total / Math.Max(1, stream.Length);
            if (ratio > limits.MaxCompressionRatio)
                return (true, $"{fileName} unpacks to {ratio:N0}× its size, over Limits:MaxCompressionRatio ({limits.MaxCompressionRatio:N0})");
        }
        return null;
    }

    /// <summary>
    /// The header row of a <c>.csv</c>/<c>.tsv</c> against <c>Limits:MaxCsvColumns</c>, read up to <c>Limits:MaxLineBytes</c>:
    /// a table a hundred thousand columns wide is refused before the parser makes a series of each column.
    /// </summary>
    public static string? TableProblem(string fileName, Func<Stream> open, LimitsOptions limits)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        if (extension is not (".csv" or ".tsv")) return null;
        var separator = extension == ".tsv" ? (byte)'\t' : (byte)',';
        using var stream = open();
        var buffer = new byte[64 * 1024];
        long columns = 1;
        long read = 0;
        int n;
        while (read < limits.MaxLineBytes && (n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limits.MaxLineBytes - read))) > 0)
        {
            var span = buffer.AsSpan(0, n);
            var end = span.IndexOf((byte)'\n');
            if (end >= 0) span = span[..end];
            columns += span.Count(separator);
            read += n;
            if (end >= 0) break;
        }
        return columns > limits.MaxCsvColumns ? $"{fileName} has {columns:N0} columns, over Limits:MaxCsvColumns ({limits.MaxCsvColumns:N0})" : null;
    }

    private static bool UnsafePath(string name)
    {
        var path = name.Replace('\\', '/');
        return path.StartsWith('/') || (path.Length > 1 && path[1] == ':') || path.Split('/').Any(s => s == "..");
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}

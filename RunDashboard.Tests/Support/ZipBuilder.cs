using System.IO.Compression;

namespace RunDashboard.Tests.Support;

/// <summary>Builds zip archives of fixture files, laid out like a trainer's output folder.</summary>
public static class ZipBuilder
{
    public static byte[] Build(params (string Path, byte[] Bytes)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (path, bytes) in entries)
            {
                using var s = zip.CreateEntry(path).Open();
                s.Write(bytes);
            }
        }
        return memory.ToArray();
    }
}

using System.Diagnostics;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Where upload bodies wait while they are parsed: <c>&lt;data folder&gt;/tmp/&lt;process id&gt;/</c>. Files are deleted
/// when their request ends; folders of processes that no longer run (a dashboard killed mid-upload) are deleted at start.
/// </summary>
public sealed class UploadTempFolder
{
    private readonly string _root;

    public UploadTempFolder(string dataFolder)
    {
        _root = System.IO.Path.Combine(dataFolder, "tmp");
        Path = System.IO.Path.Combine(_root, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>This process's folder.</summary>
    public string Path { get; }

    public string NewFile()
    {
        Directory.CreateDirectory(Path);
        return System.IO.Path.Combine(Path, Guid.NewGuid().ToString("N") + ".upload");
    }

    public static void TryDelete(string file)
    {
        try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes the folders of processes that are gone; returns how many files were removed.</summary>
    public int RemoveLeftovers()
    {
        if (!Directory.Exists(_root)) return 0;
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (int.TryParse(name, out var pid) && (pid == Environment.ProcessId || IsRunning(pid))) continue;
            try
            {
                removed += Directory.EnumerateFiles(dir).Count();
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    internal static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace RunDashboard.Benchmarks;

/// <summary>
/// Imports a log in a process of its own (this program with <c>--import-child</c>), so its peak working set is
/// the import's alone. The child prints "seconds peakBytes points databaseBytes cpuSeconds parseSeconds commitSeconds
/// archiveSeconds": the import as the upload endpoint runs it once the body is received (the raw bytes are compressed
/// into the database after the commit: archiveSeconds is how long that took after it).
/// </summary>
public static class ImportChild
{
    public sealed record Result(double Seconds, long PeakWorkingSet, long Points, long DatabaseBytes, string CpuSeconds,
        string ParseSeconds = "?", string CommitSeconds = "?", string ArchiveSeconds = "?");

    public static async Task<Result> RunAsync(string log)
    {
        // Environment.ProcessPath is the dotnet host (or the apphost); the entry assembly says which.
        var self = typeof(LogGenerator).Assembly.Location;
        var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!,
            Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? [self, "--import-child", log] : ["--import-child", log])
        {
            RedirectStandardOutput = true,
        })!;
        var output = (await child.StandardOutput.ReadToEndAsync()).Trim().Split(' ');
        await child.WaitForExitAsync();
        return new Result(double.Parse(output[0], CultureInfo.InvariantCulture), long.Parse(output[1], CultureInfo.InvariantCulture),
            long.Parse(output[2], CultureInfo.InvariantCulture), long.Parse(output[3], CultureInfo.InvariantCulture), output.Length > 4 ? output[4] : "?",
            output.Length > 7 ? output[5] : "?", output.Length > 7 ? output[6] : "?", output.Length > 7 ? output[7] : "?");
    }
}

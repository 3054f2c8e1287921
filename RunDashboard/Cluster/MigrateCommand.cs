using Microsoft.Extensions.Options;
using RunDashboard.Core.Migration;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.LiteDb;
using RunDashboard.Core.Storage.Postgres;

namespace RunDashboard.Cluster;

/// <summary>
/// <c>dotnet run --project RunDashboard -- migrate --to "&lt;connection string&gt;" [--from &lt;file.db&gt;]</c>: copies the
/// LiteDB database (by default the configured <c>Storage:DatabasePath</c>) into PostgreSQL and verifies the copy.
/// Runs instead of the web server; exit code 0 when verified, 1 on a mismatch or failure, 2 on bad arguments.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? to = null, from = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--to" when i + 1 < args.Length: to = args[++i]; break;
                case "--from" when i + 1 < args.Length: from = args[++i]; break;
                case "--help" or "-h":
                    output.WriteLine("usage: migrate --to \"Host=…;Database=…;Username=…;Password=…\" [--from path/to/rundashboard.db]");
                    return 0;
                default: rest.Add(args[i]); break;
            }
        }
        if (string.IsNullOrWhiteSpace(to))
        {
            error.WriteLine("migrate: --to \"<PostgreSQL connection string>\" is required, e.g. --to \"Host=db;Database=rundashboard;Username=rd;Password=…\"");
            return 2;
        }
        if (from is null)
        {
            // The same settings the dashboard reads (appsettings.json, environment, --Storage:DatabasePath=…).
            var builder = Host.CreateApplicationBuilder(rest.ToArray());
            var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
            from = Path.IsPathRooted(storage.DatabasePath) ? storage.DatabasePath : Path.Combine(builder.Environment.ContentRootPath, storage.DatabasePath);
        }
        if (!File.Exists(from))
        {
            error.WriteLine($"migrate: there is no LiteDB database at {Path.GetFullPath(from)}; give its path with --from");
            return 2;
        }

        try
        {
            output.WriteLine($"migrate: {Path.GetFullPath(from)} → PostgreSQL");
            using var source = new LiteDbBackend(from);
            // Upload bytes a stopped dashboard had not yet compressed into the file are put there first, so they are copied too.
            if (UploadArchive.ArchiveLeftovers(source, from) is > 0 and var archived) output.WriteLine($"migrate: archived {archived} upload(s) left beside the file into it");
            using var target = new PostgresBackend(to);
            var report = new StoreMigration(source, target, output).Run();
            output.WriteLine($"migrate: {report.Runs} runs ({report.RunsCopied} copied, {report.Points:N0} points), " +
                $"{report.Uploads} uploads ({report.UploadsCopied} copied, {report.UploadBytes:N0} bytes), {report.Documents} documents");
            if (report.Verified)
            {
                output.WriteLine("migrate: verified — every run, series (point by point), upload (SHA-256) and document is in PostgreSQL");
                return 0;
            }
            error.WriteLine($"migrate: the copy differs from the source in {report.Mismatches.Count} place(s):");
            foreach (var m in report.Mismatches.Take(50)) error.WriteLine("  " + m);
            if (report.Mismatches.Count > 50) error.WriteLine($"  … and {report.Mismatches.Count - 50} more");
            return 1;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or IOException or InvalidOperationException or LiteDB.LiteException or ArgumentException)
        {
            error.WriteLine($"migrate: failed: {ex.Message}");
            return 1;
        }
    }
}

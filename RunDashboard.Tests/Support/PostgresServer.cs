using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace RunDashboard.Tests.Support;

/// <summary>
/// A real PostgreSQL server for the storage suite. With <c>RUNDASHBOARD_TEST_POSTGRES</c> set (CI starts a cluster and
/// exports it) that server is used; otherwise a throwaway cluster is made once per test run: <c>initdb</c> in a
/// temporary folder and <c>pg_ctl start</c> on a free loopback port, as the <c>postgres</c> user when the tests run as
/// root (PostgreSQL refuses to run as root), stopped when the test process exits. Each test asks for its own fresh
/// database (<see cref="CreateDatabase"/>), so tests never see each other's rows.
/// </summary>
public sealed class PostgresServer
{
    public const string EnvironmentVariable = "RUNDASHBOARD_TEST_POSTGRES";

    private static readonly Lazy<PostgresServer> Shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

    public static PostgresServer Instance => Shared.Value;

    /// <summary>Creates <c>rd_test_&lt;random&gt;</c> and returns a connection string to it.</summary>
    public string CreateDatabase()
    {
        var name = "rd_test_" + Guid.NewGuid().ToString("N")[..16];
        Admin($"CREATE DATABASE {name}");
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabase"/>, closing whatever connections are left.</summary>
    public void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        Admin($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private void Admin(string sql)
    {
        using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_adminConnectionString) { Pooling = false }.ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static PostgresServer Start()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given) return new PostgresServer(given);
        var cluster = Cluster.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return new PostgresServer(cluster.ConnectionString);
    }

    /// <summary>
    /// A throwaway cluster of this test process only: for tests that restart or stop the server, which the shared
    /// one must never be (other test classes use it at the same time).
    /// </summary>
    public static Cluster StartPrivate() => Cluster.Start();

    /// <summary>A PostgreSQL cluster in a temporary folder on a free loopback port.</summary>
    public sealed class Cluster : IDisposable
    {
        private readonly string _bin, _root, _data;
        private readonly bool _asRoot;
        private readonly int _port;

        private Cluster(string bin, string root, bool asRoot, int port)
        {
            (_bin, _root, _asRoot, _port) = (bin, root, asRoot, port);
            _data = Path.Combine(root, "data");
        }

        public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=30;Command Timeout=120";

        internal static Cluster Start()
        {
            var bin = FindBinaries() ?? throw new InvalidOperationException(
                "PostgreSQL is not installed: the storage tests run on LiteDB and on a real PostgreSQL server. Install Debian's " +
                $"'postgresql' package (apt-get install postgresql) or set {EnvironmentVariable} to a connection string of a server " +
                "where the user may CREATE DATABASE.");
            RemoveStoppedClusters();
            var root = Path.Combine(Path.GetTempPath(), ClusterPrefix + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(root);
            var asRoot = Environment.UserName == "root";
            if (asRoot) Run("chown", ["postgres:postgres", root], null);
            var cluster = new Cluster(bin, root, asRoot, FreePort());
            RunAs(asRoot, Path.Combine(bin, "initdb"), ["-D", cluster._data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
            cluster.PgCtl("start");
            return cluster;
        }

        /// <summary>Stops the server (fast shutdown: open connections are cut, as in a real restart) and starts it again.</summary>
        public void Restart(TimeSpan down)
        {
            PgCtl("stop", "-m", "fast");
            Thread.Sleep(down);
            PgCtl("start");
        }

        private void PgCtl(string action, params string[] extra)
        {
            // fsync off: a test cluster holds nothing worth a disk flush, and the suite runs much faster without them.
            string[] args = action == "start"
                ? ["-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-o",
                   $"-p {_port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
                   "start"]
                : ["-D", _data, "-w", .. extra, action];
            RunAs(_asRoot, Path.Combine(_bin, "pg_ctl"), args);
        }

        public void Dispose()
        {
            try
            {
                PgCtl("stop", "-m", "immediate");
                // The test host may be ended before a recursive delete of a whole cluster finishes; rm is not.
                Process.Start(new ProcessStartInfo("rm", ["-rf", _root]) { UseShellExecute = false })?.Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // A cluster left in /tmp is the only cost; the next test run removes stopped ones.
            }
        }
    }

    private const string ClusterPrefix = "rundashboard-pg-";

    /// <summary>
    /// Clusters of earlier test runs whose server is stopped (no postmaster.pid) but whose folder stayed, because a
    /// test process is not always given the time to delete it at exit.
    /// </summary>
    private static void RemoveStoppedClusters()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), ClusterPrefix + "*"))
        {
            // A folder touched in the last minutes may be another test run's cluster being made (initdb, then start).
            if (File.Exists(Path.Combine(dir, "data", "postmaster.pid")) || Directory.GetLastWriteTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-10)) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test run's, being made or removed right now.
            }
        }
    }

    /// <summary>The newest installed server's bin folder (Debian installs under /usr/lib/postgresql/&lt;major&gt;/bin).</summary>
    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Major).Select(x => x.Dir).FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RunAs(bool asRoot, string program, string[] args)
    {
        if (asRoot) Run("runuser", ["-u", "postgres", "--", program, .. args], "/tmp");
        else Run(program, args, null);
    }

    private static void Run(string program, string[] args, string? workingDirectory)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) throw new InvalidOperationException($"{program} did not finish in 2 minutes");
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {error.Result}{output.Result}");
    }
}

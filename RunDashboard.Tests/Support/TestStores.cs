using LiteDB;
using Npgsql;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.Postgres;

namespace RunDashboard.Tests.Support;

/// <summary>
/// The stores of one test on one provider. A name stands for one database: a LiteDB file in the test's folder, or a
/// fresh PostgreSQL database on <see cref="PostgresServer"/>; opening the same name again reopens the same data, as a
/// restarted dashboard would. Everything is removed at dispose.
/// </summary>
public sealed class TestStores(StorageProvider provider) : IDisposable
{
    private readonly Dictionary<string, string> _databases = [];

    public StorageProvider Provider { get; } = provider;

    public TempDirectory Dir { get; } = new();

    public RunStore Open(string name = "store.db") => Provider switch
    {
        StorageProvider.LiteDb => new RunStore(Dir.File(name)),
        _ => new RunStore(new PostgresBackend(ConnectionString(name)), Dir.File(name)),
    };

    /// <summary>The connection string of the PostgreSQL database named <paramref name="name"/>, created on first use.</summary>
    public string ConnectionString(string name)
    {
        lock (_databases)
        {
            if (!_databases.TryGetValue(name, out var cs)) _databases[name] = cs = PostgresServer.Instance.CreateDatabase();
            return cs;
        }
    }

    /// <summary>Points <see cref="StorageOptions"/> (as the app binds them) at the store named <paramref name="name"/>.</summary>
    public void Configure(StorageOptions options, string name)
    {
        options.Provider = Provider;
        options.DatabasePath = Dir.File(name);
        if (Provider == StorageProvider.Postgres) options.ConnectionString = ConnectionString(name);
    }

    /// <summary>The same as command-line arguments of the dashboard.</summary>
    public string[] Arguments(string name)
    {
        var options = new StorageOptions();
        Configure(options, name);
        return Provider == StorageProvider.LiteDb
            ? [$"--Storage:DatabasePath={options.DatabasePath}"]
            : [$"--Storage:DatabasePath={options.DatabasePath}", "--Storage:Provider=Postgres", $"--Storage:ConnectionString={options.ConnectionString}"];
    }

    /// <summary>The codec number of every stored chunk (null for the first format).</summary>
    public IReadOnlyList<int?> ChunkCodecs(RunStore store, string name) => Provider == StorageProvider.LiteDb
        ? store.Database.GetCollection(RunStore.ChunksCollection).FindAll().Select(d => d["Codec"].IsNull ? (int?)null : d["Codec"].AsInt32).ToList()
        : Query(name, "SELECT codec FROM chunks", r => r.IsDBNull(0) ? (int?)null : r.GetInt32(0));

    /// <summary>Stored pyramids' stamps by series (<c>run id \n key</c>).</summary>
    public IReadOnlyDictionary<string, string> PyramidStamps(RunStore store, string name) => Provider == StorageProvider.LiteDb
        ? store.Database.GetCollection(RunStore.PyramidsCollection).FindAll().ToDictionary(d => d["_id"].AsString, d => d["Stamp"].AsString)
        : Query(name, "SELECT run_id || E'\\n' || series_key, stamp FROM series_pyramids", r => (r.GetString(0), r.GetString(1))).ToDictionary(x => x.Item1, x => x.Item2);

    private List<T> Query<T>(string name, string sql, Func<NpgsqlDataReader, T> read)
    {
        using var conn = new NpgsqlConnection(ConnectionString(name));
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(read(r));
        return list;
    }

    public void Dispose()
    {
        lock (_databases)
        {
            foreach (var cs in _databases.Values) PostgresServer.Instance.DropDatabase(cs);
            _databases.Clear();
        }
        Dir.Dispose();
    }
}

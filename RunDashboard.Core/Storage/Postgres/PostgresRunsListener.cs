using System.Text;
using System.Text.Json;
using Npgsql;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// One dedicated connection per instance that <c>LISTEN</c>s on <c>rundashboard_runs</c> and holds the instance's
/// advisory lock (the owner mark of its pending imports). Notifications from other instances become RunsChanged;
/// a lost connection is re-opened with a growing pause (0.5 s doubling to 30 s), after which every run counts as
/// changed, since notifications sent meanwhile were not received.
/// <para>Payload: <c>{"instance":"…","ids":["…"]}</c> — JSON, so any run id survives, and the sender skips its own.</para>
/// </summary>
internal sealed class PostgresRunsListener : IDisposable
{
    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more.</summary>
    private const int MaxPayloadBytes = 7000;
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);
    /// <summary>How often an idle connection is checked with a query, so a dead one is noticed.</summary>
    private static readonly TimeSpan Probe = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _source;
    private readonly string _instanceId;
    private readonly int _instanceKey;
    private readonly Action<IReadOnlyList<string>> _changed;
    private readonly Func<IReadOnlyList<string>> _allRunIds;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public PostgresRunsListener(NpgsqlDataSource source, string instanceId, int instanceKey,
        Action<IReadOnlyList<string>> changed, Func<IReadOnlyList<string>> allRunIds)
    {
        _source = source;
        _instanceId = instanceId;
        _instanceKey = instanceKey;
        _changed = changed;
        _allRunIds = allRunIds;
        // The first connection is made before the store opens: the instance's lock must be held before it stages
        // an import, or a starting instance could take the import for a dead one's.
        var first = Connect();
        _loop = Task.Run(() => LoopAsync(first));
    }

    /// <summary>Times the connection was re-opened after a loss (tests read it).</summary>
    public int Reconnects { get; private set; }

    public static IEnumerable<string> Payloads(string instanceId, IReadOnlyList<string> ids)
    {
        var part = new List<string>();
        var size = 0;
        foreach (var id in ids)
        {
            var length = Encoding.UTF8.GetByteCount(id) + 8;
            if (part.Count > 0 && size + length > MaxPayloadBytes)
            {
                yield return Payload(instanceId, part);
                part = [];
                size = 0;
            }
            part.Add(id);
            size += length;
        }
        if (part.Count > 0) yield return Payload(instanceId, part);
    }

    private static string Payload(string instanceId, List<string> ids) => JsonSerializer.Serialize(new Message(instanceId, ids));

    private sealed record Message(string Instance, List<string> Ids);

    private NpgsqlConnection Connect()
    {
        var conn = _source.OpenConnection();
        try
        {
            conn.Notification += OnNotification;
            using var cmd = new NpgsqlCommand($"SELECT pg_advisory_lock({PostgresSchema.InstanceLockSpace}, {_instanceKey}); LISTEN {PostgresBackend.Channel}", conn);
            cmd.ExecuteNonQuery();
            return conn;
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        Message? message;
        try
        {
            message = JsonSerializer.Deserialize<Message>(e.Payload);
        }
        catch (JsonException)
        {
            return; // not ours: something else notifies on the channel
        }
        if (message is null || message.Instance == _instanceId || message.Ids is not { Count: > 0 } ids) return;
        Raise(ids);
    }

    /// <summary>A subscriber that throws must not end listening for every other one.</summary>
    private void Raise(IReadOnlyList<string> ids)
    {
        try
        {
            _changed(ids);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            System.Diagnostics.Trace.TraceError("a RunsChanged subscriber failed: " + e);
        }
    }

    private async Task LoopAsync(NpgsqlConnection? conn)
    {
        var pause = FirstPause;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (conn is null)
                {
                    conn = Connect();
                    Reconnects++;
                    pause = FirstPause;
                    Raise(_allRunIds());
                }
                if (!await conn.WaitAsync(Probe, _stop.Token))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", conn);
                    await probe.ExecuteScalarAsync(_stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                if (conn is not null) await conn.DisposeAsync();
                conn = null;
                try
                {
                    await Task.Delay(pause, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
        if (conn is not null) await conn.DisposeAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}

using LiteDB;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The chat posts already delivered, by key (run, kind of post, finding or state, webhook), kept in the dashboard's
/// database so a restarted server — or another instance sharing the database — does not post them again.
/// </summary>
public sealed class NotificationLedger(RunStore store)
{
    private IDocumentCollection Sent => store.Documents("notifications_sent");

    public bool WasSent(string key) => Sent.FindById(key) is not null;

    public void RecordSent(string key, DateTime at) => Sent.Upsert(new BsonDocument { ["_id"] = key, ["SentAt"] = at });

    public int Count() => Sent.Count();

    /// <summary>
    /// Forgets the posts about a run that is gone: nothing looks them up again, and over the years a lab deletes
    /// thousands of runs. Returns how many were dropped.
    /// </summary>
    public int ForgetRun(string runId)
    {
        var prefix = $"run:{runId}|";
        return Drop(key => key.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>Forgets the digests of days before <paramref name="day"/>: only the day's own digest is looked up.</summary>
    public int ForgetDigestsBefore(DateOnly day) =>
        Drop(key => key.StartsWith("digest:", StringComparison.Ordinal) && key.Length >= 17
                    && DateOnly.TryParseExact(key.AsSpan(7, 10), "yyyy-MM-dd", out var posted) && posted < day);

    private int Drop(Func<string, bool> stale)
    {
        var dropped = 0;
        foreach (var doc in Sent.FindAll())
        {
            if (doc["_id"].IsString && stale(doc["_id"].AsString) && Sent.Delete(doc["_id"].AsString)) dropped++;
        }
        return dropped;
    }
}

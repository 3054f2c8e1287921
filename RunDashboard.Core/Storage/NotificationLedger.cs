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
}

using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Notifications;

/// <summary>The ledger of sent chat posts keeps what is looked up again and forgets the rest.</summary>
public sealed class NotificationLedgerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly NotificationLedger _ledger;

    public NotificationLedgerTests()
    {
        _store = new RunStore(_dir.File("ledger.db"));
        _ledger = new NotificationLedger(_store);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_gone_run_and_old_digests_are_forgotten_and_everything_else_is_kept()
    {
        var at = new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);
        _ledger.RecordSent("run:a1|finding:divergence|train/loss|120|hook:abc", at);
        _ledger.RecordSent("run:a1|state:finished|hook:abc", at);
        // A run whose id starts like the other's is another run.
        _ledger.RecordSent("run:a10|state:finished|hook:abc", at);
        _ledger.RecordSent("digest:2026-11-20|hook:abc", at);
        _ledger.RecordSent("digest:2026-11-23|hook:abc", at);
        _ledger.RecordSent("digest:2026-11-30|hook:abc", at);

        Assert.Equal(2, _ledger.ForgetRun("a1"));
        Assert.Equal(1, _ledger.ForgetDigestsBefore(new DateOnly(2026, 11, 23)));

        Assert.False(_ledger.WasSent("run:a1|state:finished|hook:abc"));
        Assert.True(_ledger.WasSent("run:a10|state:finished|hook:abc"));
        Assert.False(_ledger.WasSent("digest:2026-11-20|hook:abc"));
        Assert.True(_ledger.WasSent("digest:2026-11-23|hook:abc"));
        Assert.True(_ledger.WasSent("digest:2026-11-30|hook:abc"));
        Assert.Equal(3, _ledger.Count());
    }
}

using LiteDB;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>The small-document API that settings, sync state and links use, the same on every backend.</summary>
public class DocumentCollectionTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public DocumentCollectionTests() => _stores = new TestStores(Provider);

    [Fact]
    public void A_document_keeps_its_types_and_is_replaced_by_id()
    {
        using var store = _stores.Open("docs.db");
        var at = new DateTime(2026, 3, 1, 12, 30, 15, DateTimeKind.Utc);
        store.Documents("settings").Upsert(new BsonDocument
        {
            ["_id"] = "lab/pretrain", ["AddedAt"] = at, ["Runs"] = 42L, ["Ratio"] = 0.1, ["Nested"] = new BsonDocument { ["Ok"] = true },
        });
        store.Documents("settings").Upsert(new BsonDocument { ["_id"] = "lab/other", ["Runs"] = 1 });

        var doc = store.Documents("settings").FindById("lab/pretrain")!;

        Assert.Equal(at, doc["AddedAt"].AsDateTime.ToUniversalTime());
        Assert.Equal(42L, doc["Runs"].AsInt64);
        Assert.Equal(0.1, doc["Ratio"].AsDouble);
        Assert.True(doc["Nested"]["Ok"].AsBoolean);
        store.Documents("settings").Upsert(new BsonDocument { ["_id"] = "lab/pretrain", ["Runs"] = 43L });
        Assert.Equal(43L, store.Documents("settings").FindById("lab/pretrain")!["Runs"].AsInt64);
        Assert.Equal(2, store.Documents("settings").Count());
        Assert.Equal(0, store.Documents("other").Count());
    }

    [Fact]
    public void Finds_one_by_a_string_field_and_deletes_by_id()
    {
        using var store = _stores.Open("docs.db");
        var links = store.Documents("links");
        links.Upsert(new BsonDocument { ["_id"] = "abc", ["Url"] = "/runs/1?smooth=0.8" });
        links.Upsert(new BsonDocument { ["_id"] = "def", ["Url"] = "/compare?runs=a,b" });

        Assert.Equal("def", links.FindOne("Url", "/compare?runs=a,b")!["_id"].AsString);
        Assert.Null(links.FindOne("Url", "/compare?runs=a"));
        Assert.True(links.Delete("def"));
        Assert.False(links.Delete("def"));
        Assert.Null(links.FindOne("Url", "/compare?runs=a,b"));
        Assert.Equal(["abc"], links.FindAll().Select(d => d["_id"].AsString));
    }

    [Fact]
    public void A_document_without_a_string_id_is_refused()
    {
        using var store = _stores.Open("docs.db");

        Assert.Throws<ArgumentException>(() => store.Documents("settings").Upsert(new BsonDocument { ["_id"] = 5 }));
    }

    public void Dispose() => _stores.Dispose();
}

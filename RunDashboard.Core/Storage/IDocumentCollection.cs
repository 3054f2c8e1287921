using LiteDB;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Small documents keyed by a string <c>_id</c> (settings, sync state, links): a LiteDB collection on LiteDB, rows of
/// one table on PostgreSQL. Only string ids and lookups by a top-level string field are offered, which is what every
/// small store needs and what both backends answer with an index.
/// </summary>
public interface IDocumentCollection
{
    BsonDocument? FindById(string id);

    IReadOnlyList<BsonDocument> FindAll();

    /// <summary>The first document whose top-level <paramref name="field"/> is the string <paramref name="value"/>.</summary>
    BsonDocument? FindOne(string field, string value);

    /// <summary>Inserts or replaces the document with this <c>_id</c> (which must be a string).</summary>
    void Upsert(BsonDocument document);

    bool Delete(string id);

    int Count();
}

using LiteDB;

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>A LiteDB collection seen through <see cref="IDocumentCollection"/>.</summary>
internal sealed class LiteDbDocuments(ILiteCollection<BsonDocument> collection) : IDocumentCollection
{
    public BsonDocument? FindById(string id) => collection.FindById(id);

    public IReadOnlyList<BsonDocument> FindAll() => collection.FindAll().ToList();

    public BsonDocument? FindOne(string field, string value) => collection.FindOne(Query.EQ(field, value));

    public void Upsert(BsonDocument document)
    {
        if (!document["_id"].IsString) throw new ArgumentException("a document's _id must be a string", nameof(document));
        collection.Upsert(document);
    }

    public bool Delete(string id) => collection.Delete(id);

    public int Count() => collection.Count();
}

using JsonSerializer = System.Text.Json.JsonSerializer;
using LiteDB;
using Npgsql;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// One collection of small documents as rows of <c>documents</c>: the document itself as BSON (<c>doc</c>, exactly
/// what LiteDB would keep: types, dates and nested documents survive), and its top-level string fields as jsonb
/// (<c>fields</c>, GIN-indexed) for <see cref="FindOne"/>.
/// </summary>
internal sealed class PostgresDocuments(NpgsqlDataSource source, string collection) : IDocumentCollection
{
    public BsonDocument? FindById(string id)
    {
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT doc FROM documents WHERE collection = @c AND id = @id", conn);
        cmd.Parameters.AddWithValue("c", collection);
        cmd.Parameters.AddWithValue("id", id);
        return cmd.ExecuteScalar() is byte[] bytes ? BsonSerializer.Deserialize(bytes) : null;
    }

    public IReadOnlyList<BsonDocument> FindAll()
    {
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT doc FROM documents WHERE collection = @c ORDER BY id", conn);
        cmd.Parameters.AddWithValue("c", collection);
        using var r = cmd.ExecuteReader();
        var list = new List<BsonDocument>();
        while (r.Read()) list.Add(BsonSerializer.Deserialize((byte[])r[0]));
        return list;
    }

    public BsonDocument? FindOne(string field, string value)
    {
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT doc FROM documents WHERE collection = @c AND fields @> @probe::jsonb ORDER BY id LIMIT 1", conn);
        cmd.Parameters.AddWithValue("c", collection);
        cmd.Parameters.AddWithValue("probe", JsonSerializer.Serialize(new Dictionary<string, string> { [field] = value }));
        return cmd.ExecuteScalar() is byte[] bytes ? BsonSerializer.Deserialize(bytes) : null;
    }

    public void Upsert(BsonDocument document)
    {
        if (!document["_id"].IsString) throw new ArgumentException("a document's _id must be a string", nameof(document));
        var fields = document.Where(kv => kv.Key != "_id" && kv.Value.IsString).ToDictionary(kv => kv.Key, kv => kv.Value.AsString);
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("""
            INSERT INTO documents (collection, id, doc, fields) VALUES (@c, @id, @doc, @fields::jsonb)
            ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc, fields = excluded.fields
            """, conn);
        cmd.Parameters.AddWithValue("c", collection);
        cmd.Parameters.AddWithValue("id", document["_id"].AsString);
        cmd.Parameters.AddWithValue("doc", BsonSerializer.Serialize(document));
        cmd.Parameters.AddWithValue("fields", JsonSerializer.Serialize(fields));
        cmd.ExecuteNonQuery();
    }

    public bool Delete(string id)
    {
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("DELETE FROM documents WHERE collection = @c AND id = @id", conn);
        cmd.Parameters.AddWithValue("c", collection);
        cmd.Parameters.AddWithValue("id", id);
        return cmd.ExecuteNonQuery() > 0;
    }

    public int Count()
    {
        using var conn = source.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM documents WHERE collection = @c", conn);
        cmd.Parameters.AddWithValue("c", collection);
        return Convert.ToInt32(cmd.ExecuteScalar());
    }
}

using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace RunDashboard.Cluster;

/// <summary>
/// ASP.NET Data Protection keys kept in PostgreSQL, so every instance behind a load balancer reads the antiforgery
/// tokens and sign-in cookies another instance issued. Keys are only ever added (the key manager revokes by adding
/// a revocation element), so the table is append-only.
/// </summary>
public sealed class PostgresKeyRepository : IXmlRepository
{
    private readonly NpgsqlDataSource _source;
    private readonly Lazy<bool> _table;

    public PostgresKeyRepository(NpgsqlDataSource source)
    {
        _source = source;
        _table = new Lazy<bool>(CreateTable);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        _ = _table.Value;
        using var connection = Open();
        using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY created_at, id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        _ = _table.Value;
        using var connection = Open();
        using var command = new NpgsqlCommand(
            "INSERT INTO data_protection_keys (id, xml) VALUES (@id, @xml) ON CONFLICT (id) DO NOTHING", connection);
        // The friendly name is the key id for keys and a generated name for revocations; both are unique per element.
        command.Parameters.AddWithValue("id", string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    private bool CreateTable()
    {
        using var connection = Open();
        using var command = new NpgsqlCommand("""
            CREATE TABLE IF NOT EXISTS data_protection_keys (
                id text PRIMARY KEY,
                xml text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now())
            """, connection);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Two instances starting at once both ran CREATE TABLE IF NOT EXISTS; the other one made it.
        }
        return true;
    }

    private NpgsqlConnection Open() => _source.OpenConnection();
}

using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using RunDashboard.Cluster;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

[Trait("Category", "Postgres")]
public sealed class KeyRepositoryTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly Npgsql.NpgsqlDataSource _pool = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);

    public void Dispose() => _pool.Dispose();

    // Each provider stands for one instance (named for the reader): its own key ring cache, one database.
    private IDataProtectionProvider Instance()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection()
            .SetApplicationName(ClusterServices.ApplicationName)
            .AddKeyManagementOptions(o => o.XmlRepository = new PostgresKeyRepository(_pool));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    [Fact]
    public void What_one_instance_protects_another_instance_reads()
    {
        var a = Instance().CreateProtector("Antiforgery");
        var token = a.Protect("cookie for alice");

        var b = Instance().CreateProtector("Antiforgery");
        Assert.Equal("cookie for alice", b.Unprotect(token));
        Assert.Equal("cookie for bob", a.Unprotect(b.Protect("cookie for bob")));
        // The second instance found the first one's key instead of making its own.
        Assert.Single(new PostgresKeyRepository(_pool).GetAllElements(), e => e.Name.LocalName == "key");
    }

    [Fact]
    public void A_protector_of_another_purpose_cannot_read_it()
    {
        var token = Instance().CreateProtector("Antiforgery").Protect("secret");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Instance().CreateProtector("Other").Unprotect(token));
    }
}

using System.Security.Cryptography;
using System.Text;

namespace RunDashboard.Configuration;

/// <summary>Tokens are compared as SHA-256 hashes in constant time, so neither the token nor its length leaks through timing.</summary>
public static class TokenHash
{
    public static byte[] Of(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool Matches(string candidate, IReadOnlyList<byte[]> hashes)
    {
        var hash = Of(candidate);
        var match = false;
        // Every hash is compared, so the time does not tell which (or whether an early) one matched.
        foreach (var h in hashes) match |= CryptographicOperations.FixedTimeEquals(hash, h);
        return match;
    }
}

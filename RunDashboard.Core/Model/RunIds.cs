using System.Security.Cryptography;

namespace RunDashboard.Core.Model;

/// <summary>Run ids: short enough for a URL, random enough (60 bits) that links to private runs cannot be guessed.</summary>
public static class RunIds
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string New(int length = 12)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = Alphabet[bytes[i] % Alphabet.Length];
        return new string(chars);
    }
}

using System.Globalization;
using System.Text;

namespace RunDashboard.Tests.Support;

/// <summary>Large MLX-LM training logs for tests that need an import to take a while (about 120 bytes a line).</summary>
public static class MlxLogs
{
    /// <summary>One <c>Iter N: Train loss …</c> line; <paramref name="seed"/> shifts the loss curve so logs differ.</summary>
    public static string Line(int i, double seed = 0) => string.Create(CultureInfo.InvariantCulture,
        $"Iter {i}: Train loss {2 + Math.Sin(i * 0.001 + seed):0.0000}, Learning Rate 1.000e-05, It/sec 1.234, Tokens/sec 567.8, Trained Tokens {i * 512}, Peak mem 12.345 GB\n");

    /// <summary>Writes <paramref name="lines"/> lines to <paramref name="path"/> without holding them in memory.</summary>
    public static string Write(string path, int lines, double seed = 0)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        for (var i = 1; i <= lines; i++) writer.Write(Line(i, seed));
        return path;
    }

    public static byte[] Bytes(int lines, double seed = 0)
    {
        var text = new StringBuilder(lines * 130);
        for (var i = 1; i <= lines; i++) text.Append(Line(i, seed));
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

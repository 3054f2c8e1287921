using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>
/// The file an upload is written to while it is parsed: a reader gets exactly the bytes written, in order, whether
/// it keeps up with the writer (bytes copied from the last ones kept in memory) or falls behind (read from the file).
/// </summary>
public class GrowingFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="all"/> in pieces, as the receiver does: to the file first, then announced.</summary>
    private static void Write(GrowingFile file, byte[] all, int piece, Action<int> between)
    {
        using var target = new FileStream(file.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
        var written = 0;
        for (var i = 0; written < all.Length; i++)
        {
            var n = Math.Min(piece, all.Length - written);
            target.Write(all, written, n);
            written += n;
            file.Append(all.AsSpan(written - n, n), written);
            between(i);
        }
    }

    /// <summary>Runs <paramref name="read"/> on a thread of its own (not the pool, which other tests may keep busy).</summary>
    private static Func<byte[]> OnThread(Func<byte[]> read)
    {
        byte[]? result = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = read();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true };
        thread.Start();
        return () =>
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(1)), "the reader did not finish");
            return failure is null ? result! : throw new InvalidOperationException("the reader failed", failure);
        };
    }

    private static byte[] ReadAll(Stream stream, int chunk, Action? afterEach = null)
    {
        using var result = new MemoryStream();
        var buffer = new byte[chunk];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            result.Write(buffer, 0, n);
            afterEach?.Invoke();
        }
        return result.ToArray();
    }

    [Fact]
    public void A_reader_that_keeps_up_and_one_that_falls_far_behind_both_read_the_bytes_written()
    {
        var path = _dir.File("body");
        File.Create(path).Dispose();
        var file = new GrowingFile(path);
        // Three times what is kept in memory, in pieces that do not divide it.
        var all = Bytes(GrowingFile.RecentBytes * 3 + 12_345, seed: 1);
        var fast = OnThread(() => ReadAll(file.OpenRead(), 65_536));
        Func<byte[]>? slow = null;
        Write(file, all, 1_000_003, i =>
        {
            // The second reader starts once the writer is well past the bytes kept in memory.
            if (i == 2 * GrowingFile.RecentBytes / 1_000_003) slow = OnThread(() => ReadAll(file.OpenRead(), 7_919));
            if (i % 4 == 0) Thread.Sleep(1);
        });
        file.Complete("sha", new UploadOptions());

        Assert.Equal(all, fast());
        Assert.NotNull(slow);
        Assert.Equal(all, slow());
    }

    [Fact]
    public void Once_complete_the_reader_seeks_and_reads_from_memory_or_the_file_alike()
    {
        var path = _dir.File("body");
        File.Create(path).Dispose();
        var file = new GrowingFile(path);
        var all = Bytes(GrowingFile.RecentBytes + 3 * 1_048_576, seed: 2);
        Write(file, all, 1_048_576, _ => { });
        file.Complete("sha", new UploadOptions());

        using var reader = file.OpenRead();
        Assert.True(reader.CanSeek);
        Assert.Equal(all.Length, reader.Length);
        var buffer = new byte[100];
        // The start is only in the file now; the end is also in memory.
        foreach (var at in new long[] { 5, all.Length - 150, 1_048_570, all.Length - GrowingFile.RecentBytes + 17 })
        {
            reader.Seek(at, SeekOrigin.Begin);
            var n = reader.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            Assert.Equal(all.AsSpan((int)at, n).ToArray(), buffer.AsSpan(0, n).ToArray());
            Assert.Equal(at + n, reader.Position);
        }

        // Handing the memory back changes nothing for a reader: everything is in the file.
        file.ForgetRecent();
        reader.Position = all.Length - 60;
        Assert.Equal(all[^60..], ReadAll(reader, 1_000));
    }

    public void Dispose() => _dir.Dispose();
}

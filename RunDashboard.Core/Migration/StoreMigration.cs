using System.Security.Cryptography;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.LiteDb;

namespace RunDashboard.Core.Migration;

/// <summary>What a migration copied, skipped as already there, and found different afterwards.</summary>
public sealed record MigrationReport(
    int Runs, int RunsCopied, long Points, int Uploads, int UploadsCopied, long UploadBytes, int Documents, IReadOnlyList<string> Mismatches)
{
    public bool Verified => Mismatches.Count == 0;
}

/// <summary>
/// Copies a LiteDB database into another store (PostgreSQL) keeping every id, so shared links keep working, then
/// verifies it: the same runs, series point by point (a SHA-256 over steps, values and times), uploads byte for
/// byte against the SHA-256 recorded at upload, and the small documents (links, W&amp;B projects, hints…).
/// Running it again copies only what is missing or changed: a run whose <see cref="Run.DataVersion"/> and update time
/// match is left alone, an upload already there is not sent again, documents are upserted by id.
/// </summary>
public sealed class StoreMigration(LiteDbBackend source, IStorageBackend target, TextWriter? log = null)
{
    /// <summary>Chunks sent to the target per insert: large batches, bounded memory (4,096 points a chunk).</summary>
    private const int ChunksPerInsert = 256;

    // Collections the LiteDB backend keeps for runs, series, uploads and file storage; every other collection is a
    // small-document store (Documents(name)) and is copied as such.
    private static readonly HashSet<string> RowCollections = new(StringComparer.Ordinal)
    {
        LiteDbBackend.RunsCollection, LiteDbBackend.ChunksCollection, LiteDbBackend.EventsCollection,
        LiteDbBackend.PendingCollection, LiteDbBackend.PyramidsCollection, LiteDbBackend.UploadsCollection,
    };

    public MigrationReport Run()
    {
        var documents = CopyDocuments();
        var (uploads, uploadsCopied, uploadBytes) = CopyUploads();
        var (runs, runsCopied, points) = CopyRuns();
        var mismatches = Verify();
        return new MigrationReport(runs, runsCopied, points, uploads, uploadsCopied, uploadBytes, documents, mismatches);
    }

    private IEnumerable<string> DocumentCollections() =>
        source.Database.GetCollectionNames().Where(n => !n.StartsWith('_') && !RowCollections.Contains(n)).Order(StringComparer.Ordinal);

    private int CopyDocuments()
    {
        var count = 0;
        foreach (var name in DocumentCollections())
        {
            var into = target.Documents(name);
            foreach (var doc in source.Documents(name).FindAll())
            {
                into.Upsert(doc);
                count++;
            }
            log?.WriteLine($"documents {name}: {source.Documents(name).Count()}");
        }
        return count;
    }

    private (int Uploads, int Copied, long Bytes) CopyUploads()
    {
        int all = 0, copied = 0;
        long bytes = 0;
        foreach (var upload in source.ListUploads())
        {
            all++;
            if (target.GetUpload(upload.Id) is not null) continue;
            if (source.HasUploadBytes(upload.Id))
            {
                using var content = source.OpenUploadBytes(upload.Id);
                bytes += target.StoreUploadBytes(upload.Id, upload.FileName, content);
            }
            // The record is published after its bytes, in a transaction of its own: a migration killed in between
            // leaves bytes without a record, which the next run stores again (StoreUploadBytes replaces them).
            var import = target.BeginImport();
            target.Commit(import, [], [upload], []);
            copied++;
        }
        log?.WriteLine($"uploads: {all} ({copied} copied, {bytes:N0} bytes)");
        return (all, copied, bytes);
    }

    private (int Runs, int Copied, long Points) CopyRuns()
    {
        int all = 0, copied = 0;
        long points = 0;
        foreach (var listed in source.ListRuns())
        {
            all++;
            var run = source.GetRun(listed.Id)!;
            var existing = target.GetRun(run.Id);
            if (existing is not null && existing.DataVersion == run.DataVersion && existing.UpdatedAt.ToUniversalTime() == run.UpdatedAt.ToUniversalTime())
                continue;
            // One import per run: the run appears in the target whole, with its series, or not at all.
            var import = target.BeginImport();
            try
            {
                foreach (var metric in run.Metrics)
                {
                    var batch = new List<EncodedChunk>(ChunksPerInsert);
                    foreach (var stored in source.ReadChunks(run.Id, metric.Key))
                    {
                        batch.Add(EncodedChunk.Of(new SeriesChunkWrite(run.Id, stored.Chunk)));
                        points += stored.Chunk.Count;
                        if (batch.Count == ChunksPerInsert)
                        {
                            target.InsertChunks(import, batch);
                            batch.Clear();
                        }
                    }
                    if (batch.Count > 0) target.InsertChunks(import, batch);
                }
                target.Commit(import, [run], [], existing is null ? [] : [run.Id]);
            }
            catch
            {
                target.DeleteChunksOf(import, [run.Id]);
                target.ForgetPending(import);
                throw;
            }
            copied++;
            if (copied % 100 == 0) log?.WriteLine($"runs: {copied} copied…");
        }
        log?.WriteLine($"runs: {all} ({copied} copied, {points:N0} points)");
        return (all, copied, points);
    }

    /// <summary>Every difference between the source and what the target now holds, in words.</summary>
    public IReadOnlyList<string> Verify()
    {
        var problems = new List<string>();
        foreach (var listed in source.ListRuns())
        {
            var run = source.GetRun(listed.Id)!;
            var copy = target.GetRun(run.Id);
            if (copy is null)
            {
                problems.Add($"run {run.Id} ({run.Name}) is missing");
                continue;
            }
            if (copy.Name != run.Name || copy.Project != run.Project || copy.Metrics.Count != run.Metrics.Count || copy.Events.Count != run.Events.Count
                || copy.Hyperparameters.Count != run.Hyperparameters.Count || copy.Summary.Count != run.Summary.Count)
                problems.Add($"run {run.Id} ({run.Name}): metadata differs (metrics {run.Metrics.Count}→{copy.Metrics.Count}, events {run.Events.Count}→{copy.Events.Count}, settings {run.Hyperparameters.Count}→{copy.Hyperparameters.Count})");
            foreach (var metric in run.Metrics)
            {
                var (n1, h1) = SeriesHash(source, run.Id, metric.Key);
                var (n2, h2) = SeriesHash(target, run.Id, metric.Key);
                if (n1 != n2 || !h1.AsSpan().SequenceEqual(h2))
                    problems.Add($"run {run.Id} ({run.Name}) series {metric.Key}: {n1:N0} points in the source, {n2:N0} in the target" + (n1 == n2 ? ", values differ" : ""));
            }
        }
        foreach (var upload in source.ListUploads())
        {
            var copy = target.GetUpload(upload.Id);
            if (copy is null)
            {
                problems.Add($"upload {upload.Id} ({upload.FileName}) is missing");
                continue;
            }
            if (source.HasUploadBytes(upload.Id) != target.HasUploadBytes(upload.Id))
            {
                problems.Add($"upload {upload.Id} ({upload.FileName}): stored bytes missing in the target");
                continue;
            }
            if (!target.HasUploadBytes(upload.Id)) continue;
            using var bytes = target.OpenUploadBytes(upload.Id);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            // An upload archived after the copy started may not have its hash recorded yet: nothing to compare with.
            if (upload.Sha256.Length > 0 && !string.Equals(sha, upload.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"upload {upload.Id} ({upload.FileName}): SHA-256 of the copied bytes is {sha}, recorded {upload.Sha256}");
        }
        foreach (var name in DocumentCollections())
        {
            var into = target.Documents(name);
            foreach (var doc in source.Documents(name).FindAll())
            {
                var id = doc["_id"].AsString;
                var other = into.FindById(id);
                if (other is null || LiteDB.JsonSerializer.Serialize(other) != LiteDB.JsonSerializer.Serialize(doc))
                    problems.Add($"document {name}/{id} is {(other is null ? "missing" : "different")} in the target");
            }
        }
        return problems;
    }

    /// <summary>Points of a series and a SHA-256 over their steps, value bits and time bits, in order.</summary>
    private static (long Points, byte[] Hash) SeriesHash(IStorageBackend store, string runId, string key)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long n = 0;
        Span<byte> buffer = stackalloc byte[24];
        foreach (var stored in store.ReadChunks(runId, key))
        {
            var c = stored.Chunk;
            for (var i = 0; i < c.Count; i++)
            {
                BitConverter.TryWriteBytes(buffer, c.Steps[i]);
                BitConverter.TryWriteBytes(buffer[8..], BitConverter.DoubleToInt64Bits(c.Values[i]));
                BitConverter.TryWriteBytes(buffer[16..], c.Times is { } t ? BitConverter.DoubleToInt64Bits(t[i]) : 0L);
                hash.AppendData(buffer);
            }
            n += c.Count;
        }
        return (n, hash.GetHashAndReset());
    }
}

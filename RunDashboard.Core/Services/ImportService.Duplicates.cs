using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using System.Security.Cryptography;

namespace RunDashboard.Core.Services;

/// <summary>Recognising what was uploaded before: the same bytes, a log that grew, a re-import keeping run ids.</summary>
public sealed partial class ImportService
{
    /// <summary>
    /// A re-import gives the new runs the ids of the runs they replace (same name first, then in order), so a
    /// link pasted in chat last month still opens the run.
    /// </summary>
    private void KeepRunIds(List<Run> runs, IReadOnlyList<UploadRecord> replacing, StagedImport staged)
    {
        var old = replacing.SelectMany(r => r.RunIds).Distinct().Select(store.GetRun).OfType<Run>().ToList();
        var free = old.ToList();
        var assigned = new Dictionary<Run, string>();
        foreach (var run in runs)
        {
            if (free.FirstOrDefault(o => o.Name == run.Name) is { } same) { assigned[run] = same.Id; free.Remove(same); }
        }
        foreach (var run in runs.Where(r => !assigned.ContainsKey(r)))
        {
            if (free.Count == 0) break;
            assigned[run] = free[0].Id;
            free.RemoveAt(0);
        }
        foreach (var (run, id) in assigned)
        {
            foreach (var metric in run.Metrics) staged.MoveSeries(run.Id, id, metric.Key);
            run.Id = id;
            run.CreatedAt = old.First(o => o.Id == id).CreatedAt;
        }
    }

    /// <summary>
    /// An earlier upload of the same file name, project and run name whose bytes are exactly the start of this
    /// file: the same log, grown. Only the few newest candidates are hashed.
    /// </summary>
    private UploadRecord? FindContinuation(UploadFile file, string name, UploadOptions options)
    {
        long size;
        using (var s = file.Open()) size = s.CanSeek ? s.Length : -1;
        var candidates = store.Uploads.List()
            .Where(u => u.FileName == name && u.Status == UploadRecord.Imported && u.RunIds.Count > 0 && u.Size > 0
                        && (size < 0 || u.Size < size) && u.Project == options.Project && u.Name == options.Name)
            .OrderByDescending(u => u.UploadedAt).Take(5);
        foreach (var candidate in candidates)
        {
            using var s = file.Open();
            using var prefix = new PrefixStream(s, candidate.Size);
            if (prefix.Available < candidate.Size || !StartsLike(file, candidate)) continue;
            // An upload answered before it was hashed gets its hash now, from its own bytes.
            if (store.Uploads.Sha256Of(candidate) is not { } earlier) continue;
            if (Convert.ToHexStringLower(SHA256.HashData(prefix)) == earlier) return candidate;
        }
        return null;
    }

    /// <summary>Bytes compared before hashing a candidate's whole length.</summary>
    private const int StartCompared = 64 * 1024;

    /// <summary>
    /// Whether the file starts with the candidate's first bytes. Another log under the same name (the next run of
    /// the same script) differs in its first lines, and telling it apart this way saves hashing as many bytes as the
    /// candidate has: 0.3 s of processor time for a 512 MB log. When the candidate's bytes cannot be read, the hash
    /// decides.
    /// </summary>
    private bool StartsLike(UploadFile file, UploadRecord candidate)
    {
        if (!store.Uploads.HasBytes(candidate.Id)) return true;
        var length = (int)Math.Min(StartCompared, candidate.Size);
        var kept = new byte[length];
        var sent = new byte[length];
        try
        {
            using (var k = store.Uploads.OpenBytes(candidate.Id))
            {
                if (k.ReadAtLeast(kept, length, throwOnEndOfStream: false) < length) return true;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or LiteDB.LiteException)
        {
            return true;
        }
        using (var f = file.Open())
        {
            if (f.ReadAtLeast(sent, length, throwOnEndOfStream: false) < length) return false;
        }
        return kept.AsSpan().SequenceEqual(sent);
    }

    /// <summary>
    /// The hash of a large upload that was not hashed on the way in, when it could be bytes uploaded before; "" when no
    /// upload has its length, so none can be the same bytes: it is then hashed after the answer, when its bytes are
    /// archived (0.3 processor seconds a 512 MB log, on a machine whose cores the import keeps busy). Uploads of that
    /// length answered the same way get their hashes now, so <see cref="FindDuplicate"/> can match them.
    /// </summary>
    private string HashIfSeenSize(UploadFile file)
    {
        long size;
        using (var s = file.Open()) size = s.Length;
        var sameSize = store.Uploads.List().Where(u => u.Size == size && u.Status == UploadRecord.Imported).ToList();
        if (sameSize.Count == 0) return "";
        foreach (var u in sameSize) store.Uploads.Sha256Of(u);
        return HashOf(file);
    }

    private (UploadRecord Record, List<Run> Runs)? FindDuplicate(string sha)
    {
        var previous = store.Uploads.FindBySha256(sha);
        if (previous is not { Status: UploadRecord.Imported }) return null;
        var runs = previous.RunIds.Select(store.GetRun).OfType<Run>().ToList();
        return runs.Count > 0 ? (previous, runs) : null;
    }
}

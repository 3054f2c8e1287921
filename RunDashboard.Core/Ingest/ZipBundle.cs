using System.IO.Compression;
using System.Text.RegularExpressions;
using RunDashboard.Core.Ingest.Archives;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// The files of a zipped output folder that can hold metrics or settings. Weights, tokenizers and other
/// artefacts are left out; a file copied into every <c>checkpoint-N/</c> keeps only its outermost (or latest) copy.
/// </summary>
public static partial class ZipBundle
{
    private static readonly HashSet<string> SkippedExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".npz", ".npy", ".gguf", ".msgpack", ".h5", ".onnx", ".pkl",
        ".wandb", ".index", ".pb", ".pbtxt", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".md", ".model", ".tiktoken", ".py", ".sh", ".yaml", ".yml",
    };

    private static readonly HashSet<string> SkippedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json",
        "generation_config.json", "preprocessor_config.json", "chat_template.json", "model.safetensors.index.json",
        "requirements.txt", "rng_state.pth", "scheduler.pt", "optimizer.pt", "checkpoint",
    };

    /// <summary>YAML files read as run data (W&amp;B's config.yaml, an MLflow run's meta.yaml); other YAML is left out.</summary>
    private static readonly HashSet<string> KeptYaml = new(StringComparer.Ordinal) { "config.yaml", "meta.yaml" };

    public static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\u0003\u0004"u8);

    /// <summary>Lists the usable entries; <paramref name="skipped"/> receives the names left out and why.</summary>
    public static List<BundleEntry> Entries(Func<Stream> openZip, List<string> skipped)
    {
        using var stream = openZip();
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        return Entries(zip, name => OpenEntry(openZip, name), skipped);
    }

    /// <summary>
    /// Opens the archive once for a whole import: its entries read from that one archive, one at a time, so the
    /// cost of a zip is linear in its entries (opening the archive per entry reads the central directory again
    /// each time, which made an 8,000-entry zip quadratic).
    /// </summary>
    public static OpenedZip Open(Func<Stream> openZip, List<string> skipped)
    {
        var stream = openZip();
        try
        {
            var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            var entries = Entries(zip, name => (zip.GetEntry(name) ?? throw new FileNotFoundException($"{name} is not in the archive")).Open(), skipped);
            return new OpenedZip(zip, entries);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static List<BundleEntry> Entries(ZipArchive zip, Func<string, Stream> openEntry, List<string> skipped)
    {
        var candidates = new List<(BundleEntry Entry, string Copy)>();
        {
            // Zips made on Windows can name entries with '\\' separators: paths use '/', the entry is opened by its own name.
            var files = zip.Entries.Select(e => (Entry: e, Path: e.FullName.Replace('\\', '/'))).Where(f => !f.Path.EndsWith('/')).ToList();
            var layout = new RunFolderLayout(files.Select(f => f.Path));
            foreach (var (e, path) in files)
            {
                var name = Path.GetFileName(path);
                if (path.Contains("__MACOSX/") || name.StartsWith('.') || e.Length == 0) continue;
                var extension = Path.GetExtension(name);
                // TensorFlow checkpoints beside event files: "model.ckpt-5.index", "model.ckpt-5.data-00000-of-00001", and the
                // "checkpoint" file that names the latest one.
                var tfCheckpoint = extension.StartsWith(".data-", StringComparison.Ordinal) && name.Contains(".ckpt", StringComparison.Ordinal);
                if (SkippedExtensions.Contains(extension) && !(extension is ".yaml" && KeptYaml.Contains(name)) || tfCheckpoint || SkippedNames.Contains(name) || !layout.Keeps(path))
                {
                    skipped.Add(path);
                    continue;
                }
                var (folder, checkpoint) = FolderOf(path);
                var entryName = e.FullName;
                candidates.Add((new BundleEntry(path, layout.Fold(path, folder), checkpoint, () => openEntry(entryName)), folder + "/" + name));
            }
        }
        // The same file in the run folder and in checkpoint-N/ copies: the run folder's is the whole story,
        // otherwise the latest checkpoint's is.
        return candidates
            .GroupBy(c => c.Copy, c => c.Entry)
            .Select(g => g.OrderBy(c => c.Checkpoint is null ? 0 : 1).ThenByDescending(c => c.Checkpoint ?? 0).First())
            .OrderBy(c => c.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>"out/run4/checkpoint-500/trainer_state.json" → ("out/run4", 500).</summary>
    public static (string Folder, int? Checkpoint) FolderOf(string path)
    {
        var parts = path.Split('/').SkipLast(1).ToList();
        int? checkpoint = null;
        if (parts.Count > 0 && CheckpointFolder().Match(parts[^1]) is { Success: true } m)
        {
            checkpoint = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            parts.RemoveAt(parts.Count - 1);
        }
        return (string.Join('/', parts), checkpoint);
    }

    /// <summary>Entries are decompressed again for each read: nothing of a large archive is held in memory.</summary>
    private static Stream OpenEntry(Func<Stream> openZip, string path)
    {
        var stream = openZip();
        var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var entry = zip.GetEntry(path) ?? throw new FileNotFoundException($"{path} is not in the archive");
        return new OwningStream(entry.Open(), zip);
    }

    [GeneratedRegex(@"^checkpoint[-_](\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex CheckpointFolder();

    /// <summary>A read stream that also disposes the archive it came from.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : ForwardReadStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

using RunDashboard.Core.Ingest.Formats;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Turns a file into runs without being told its format: samples the start, asks every format how sure it is,
/// and streams the file through the most confident one. Knows nothing of storage: chunks go to the sink it is given.
/// </summary>
public sealed class Ingestor
{
    /// <summary>Below this a format's guess is not trusted.</summary>
    public const double MinConfidence = 0.3;

    public Ingestor(IEnumerable<ILogFormat> formats) => Formats = formats.ToArray();

    public IReadOnlyList<ILogFormat> Formats { get; }

    public static IReadOnlyList<ILogFormat> BuiltInFormats() =>
    [
        new MlxLmFormat(),
        new HfTrainerStdoutFormat(),
        new TrainerStateFormat(),
        new MetricsTableFormat(),
        new StepKeyValueFormat(),
        new NanoGptFormat(),
        new MegatronFormat(),
        new MetricsCsvFormat(),
        new MetricsJsonlFormat(),
        new ComparisonJsonFormat(),
        new SettingsJsonFormat(),
    ];

    public static Ingestor CreateDefault() => new(BuiltInFormats());

    public (ILogFormat? Format, FormatMatch Match) Detect(FileSample sample)
    {
        ILogFormat? best = null;
        var bestMatch = FormatMatch.None;
        foreach (var format in Formats)
        {
            var match = format.Match(sample);
            if (match.Confidence > bestMatch.Confidence)
            {
                best = format;
                bestMatch = match;
            }
        }
        return bestMatch.Confidence >= MinConfidence ? (best, bestMatch) : (null, bestMatch);
    }

    /// <summary>Parses one file. <paramref name="open"/> may be called twice: once to sample, once to parse.</summary>
    public FileImport Ingest(string fileName, Func<Stream> open, IChunkSink sink, CancellationToken cancellationToken = default)
    {
        FileSample sample;
        using (var head = open()) sample = FileSample.Read(fileName, head);

        if (sample.IsEmpty) return FileImport.Failed(fileName, $"{fileName} is empty (0 bytes)");
        if (sample.LooksBinary) return FileImport.Failed(fileName, $"{fileName} is a binary file, not a text log or JSON/CSV export");
        if (sample.Lines.Count == 0) return FileImport.Failed(fileName, $"{fileName} has no text (only blank lines)");

        var (format, match) = Detect(sample);
        if (format is null)
        {
            var first = sample.Lines[0];
            if (first.Length > 80) first = first[..80] + "…";
            return FileImport.Failed(fileName,
                $"{fileName}: no known log format recognised (line 1: \"{first}\"). Known formats: {string.Join(", ", Formats.Select(f => f.Description))}");
        }

        var context = new ImportContext(fileName, sink);
        try
        {
            using var stream = open();
            format.Parse(stream, context, cancellationToken);
        }
        catch (FormatException ex)
        {
            return FileImport.Failed(fileName, $"{fileName}: {ex.Message}", format.Name, context.Problems);
        }
        catch (System.Text.Json.JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : "";
            return FileImport.Failed(fileName, $"{fileName}: invalid JSON{where}: {ex.Message}", format.Name, context.Problems);
        }
        context.Flush();

        var runs = context.Runs.Where(r => r.HasContent).ToList();
        if (runs.Count == 0)
        {
            return FileImport.Failed(fileName,
                $"{fileName}: looks like {format.Description} ({match.Reason}) but no metrics or settings were found in it",
                format.Name, context.Problems);
        }
        return new FileImport
        {
            FileName = fileName,
            Format = format.Name,
            FormatDescription = format.Description,
            FormatReason = match.Reason,
            Runs = runs,
            Problems = context.Problems,
            ProblemCount = context.ProblemCount,
            LinesRead = context.LinesRead,
            LinesRepaired = context.LinesRepaired,
        };
    }
}

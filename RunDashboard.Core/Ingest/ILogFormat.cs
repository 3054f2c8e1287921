namespace RunDashboard.Core.Ingest;

/// <summary>
/// One log format: how to recognise it from a sample of a file, and how to parse the whole file as a stream.
/// Implementations are stateless singletons; per-file state lives in the parse.
/// </summary>
public interface ILogFormat
{
    /// <summary>Stable id stored with runs and returned by the API, e.g. <c>mlx-lm</c>.</summary>
    string Name { get; }

    /// <summary>What a person calls it, e.g. "MLX-LM LoRA training output".</summary>
    string Description { get; }

    FormatMatch Match(FileSample sample);

    void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken);
}

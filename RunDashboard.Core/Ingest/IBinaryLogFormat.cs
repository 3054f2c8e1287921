namespace RunDashboard.Core.Ingest;

/// <summary>
/// A format whose files are binary (TensorBoard's TFRecord event files). <see cref="FileSample.LooksBinary"/> turns
/// every other format away from such a file, so the ingestor asks these first.
/// </summary>
public interface IBinaryLogFormat : ILogFormat;

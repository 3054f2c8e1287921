namespace RunDashboard.Core.Ingest.Archives;

/// <summary>One record of a TFRecord file: its payload and the byte offset of its header in the file.</summary>
public readonly record struct TfRecord(long Offset, byte[] Data);

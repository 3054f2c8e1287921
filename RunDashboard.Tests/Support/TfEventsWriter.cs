using System.Buffers.Binary;
using Google.Protobuf;
using RunDashboard.Core.Ingest.Archives;
using RunDashboard.Core.Ingest.Archives.Protos;

namespace RunDashboard.Tests.Support;

/// <summary>
/// Writes TensorBoard event files the way TensorFlow's and PyTorch's writers frame them: each Event proto as a
/// TFRecord (little-endian uint64 length, masked CRC-32C of it, data, masked CRC-32C of the data), the first record
/// holding <c>file_version = "brain.Event:2"</c>.
/// </summary>
internal sealed class TfEventsWriter
{
    private readonly MemoryStream _bytes = new();

    public TfEventsWriter(double wallTime = 1_700_000_000) => Add(new Event { WallTime = wallTime, FileVersion = "brain.Event:2" });

    /// <summary>The byte offset the next record will have.</summary>
    public long Offset => _bytes.Length;

    /// <summary>A TF1 / PyTorch SummaryWriter scalar.</summary>
    public TfEventsWriter Scalar(string tag, long step, float value, double wallTime = 1_700_000_000) =>
        Add(new Event { Step = step, WallTime = wallTime, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = value } } } });

    /// <summary>A TF2 summary value: a tensor, with the plugin TF2 names in its metadata.</summary>
    public TfEventsWriter Tensor(string tag, long step, TensorProto tensor, string plugin = "scalars", double wallTime = 1_700_000_000) =>
        Add(new Event
        {
            Step = step,
            WallTime = wallTime,
            Summary = new Summary
            {
                Value =
                {
                    new Summary.Types.Value
                    {
                        Tag = tag, Tensor = tensor,
                        Metadata = new SummaryMetadata { PluginData = new SummaryMetadata.Types.PluginData { PluginName = plugin } },
                    },
                },
            },
        });

    public TfEventsWriter Add(Event e)
    {
        var data = e.ToByteArray();
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        _bytes.Write(header);
        _bytes.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        _bytes.Write(footer);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public static TensorProto FloatScalar(float value) => new() { Dtype = DataType.DtFloat, TensorShape = new TensorShapeProto(), FloatVal = { value } };
}

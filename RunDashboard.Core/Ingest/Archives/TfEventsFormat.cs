using System.Buffers.Binary;
using Google.Protobuf;
using RunDashboard.Core.Ingest.Archives.Protos;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest.Archives;

/// <summary>
/// TensorBoard event files (<c>events.out.tfevents.*</c>): TFRecord-framed <c>Event</c> protos. Scalars are read
/// from <c>simple_value</c> (TF1, PyTorch's SummaryWriter) and from one-element numeric tensors (TF2's
/// <c>tf.summary.scalar</c>, Keras' TensorBoard callback); images, histograms, audio and text are counted and
/// skipped. <c>Event.step</c> is the step and <c>wall_time</c> the time. In Keras' layout (a run folder with
/// <c>train/</c> and <c>validation/</c> subfolders) the <c>epoch_</c> prefix Keras puts on every tag is dropped and
/// validation scalars get <c>eval/</c> keys.
/// </summary>
public sealed class TfEventsFormat : IBinaryLogFormat
{
    /// <summary>
    /// Hugging Face Trainer's end-of-training scalars (averages and totals over the whole run), logged once under
    /// <c>train/</c>: the run's summary, stored under the names trainer_state.json uses for them.
    /// </summary>
    private static readonly HashSet<string> TrainerSummaryTags = new(StringComparer.Ordinal)
    {
        "train/train_loss", "train/train_runtime", "train/train_samples_per_second", "train/train_steps_per_second", "train/total_flos",
    };

    public string Name => "tensorboard";
    public string Description => "TensorBoard event file (events.out.tfevents.*)";

    public FormatMatch Match(FileSample sample)
    {
        var named = sample.BaseName.StartsWith("events.out.tfevents.", StringComparison.Ordinal);
        var framed = TfRecordReader.StartsWithRecord(sample.Head);
        if (named && framed) return new FormatMatch(0.99, "named events.out.tfevents.* and framed as TFRecord");
        if (framed && FirstRecordIsEvent(sample.Head)) return new FormatMatch(0.95, "a TFRecord whose first record is a TensorBoard event");
        // Named like an event file but not framed like one: claimed anyway, so the report says what is wrong with it.
        if (named) return new FormatMatch(0.6, "named events.out.tfevents.* (but its first record is not valid TFRecord)");
        return FormatMatch.None;
    }

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        var path = context.FileName.Replace('\\', '/');
        var parent = Path.GetFileName(Path.GetDirectoryName(path) ?? "");
        var keras = parent is "train" or "validation";
        var validation = parent == "validation";
        var run = context.Run();
        var reader = new TfRecordReader(stream);
        var keys = new Dictionary<string, (string Alias, string Key)>(StringComparer.Ordinal);
        var plugins = new Dictionary<string, string>(StringComparer.Ordinal);
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long records = 0;
        while (reader.Next((offset, message) => context.Report(0, message)) is { } record)
        {
            if ((++records & 0x3FF) == 0) cancellationToken.ThrowIfCancellationRequested();
            Event e;
            try
            {
                e = Event.Parser.ParseFrom(record.Data);
            }
            catch (InvalidProtocolBufferException ex)
            {
                context.Report(0, $"the record at byte {record.Offset} is not a TensorBoard event ({ex.Message}); skipped");
                continue;
            }
            if (e.WhatCase != Event.WhatOneofCase.Summary) continue;
            foreach (var value in e.Summary.Value)
            {
                var tag = value.Tag.Length > 0 ? value.Tag : value.NodeName;
                var plugin = value.Metadata?.PluginData?.PluginName;
                // TF1 writers put a tag's plugin metadata on its first value only.
                if (!string.IsNullOrEmpty(plugin)) plugins[tag] = plugin;
                else plugins.TryGetValue(tag, out plugin);
                double number;
                switch (value.ValueCase)
                {
                    case Summary.Types.Value.ValueOneofCase.SimpleValue:
                        number = value.SimpleValue;
                        break;
                    case Summary.Types.Value.ValueOneofCase.Tensor when plugin is null or "" or "scalars" && TryScalar(value.Tensor, out number):
                        break;
                    default:
                        var kind = value.ValueCase switch
                        {
                            Summary.Types.Value.ValueOneofCase.Image => "images",
                            Summary.Types.Value.ValueOneofCase.Histo or Summary.Types.Value.ValueOneofCase.ObsoleteOldStyleHistogram => "histograms",
                            Summary.Types.Value.ValueOneofCase.Audio => "audio",
                            Summary.Types.Value.ValueOneofCase.Tensor => string.IsNullOrEmpty(plugin) ? "non-scalar tensors" : plugin,
                            _ => "empty values",
                        };
                        skipped[kind] = skipped.GetValueOrDefault(kind) + 1;
                        continue;
                }
                if (!validation && TrainerSummaryTags.Contains(tag))
                {
                    run.Summary[tag["train/".Length..]] = number;
                    continue;
                }
                if (!keys.TryGetValue(tag, out var names)) keys[tag] = names = Names(tag, keras, validation);
                if (run.Metric(names.Alias, names.Key).Add(e.Step, number, 0, e.WallTime) && !double.IsFinite(number))
                {
                    context.Report(0, $"non-finite value ({Numbers.Format(number)}) for '{tag}' at step {e.Step} (record at byte {record.Offset})");
                }
            }
        }
        context.Note($"read {records:N0} TFRecord records");
        if (skipped.Count > 0)
        {
            context.Note($"skipped {skipped.Values.Sum():N0} non-scalar summaries ({string.Join(", ", skipped.Select(kv => $"{kv.Value:N0} {kv.Key}"))})");
        }
    }

    /// <summary>The source name kept as alias and the canonical key of a tag.</summary>
    private static (string Alias, string Key) Names(string tag, bool keras, bool validation)
    {
        // Keras' TensorBoard callback names its per-epoch scalars "epoch_" + the metric's name.
        var name = keras && tag.StartsWith("epoch_", StringComparison.Ordinal) && tag.Length > 6 ? tag[6..] : tag;
        var key = MetricKeys.Canonicalize(name);
        if (!validation) return (tag, key);
        key = key.StartsWith("train/", StringComparison.Ordinal) ? "eval/" + key[6..]
            : key.StartsWith("eval/", StringComparison.Ordinal) ? key
            : "eval/" + key;
        return ("validation/" + tag, key);
    }

    /// <summary>The value of a one-element numeric tensor; false for anything else (strings, histograms, images).</summary>
    internal static bool TryScalar(TensorProto tensor, out double value)
    {
        value = double.NaN;
        var shape = tensor.TensorShape;
        if (shape is { UnknownRank: true }) return false;
        long elements = 1;
        if (shape is not null)
        {
            foreach (var d in shape.Dim) elements *= d.Size;
        }
        if (elements != 1) return false;
        var content = tensor.TensorContent.Span;
        switch (tensor.Dtype)
        {
            case DataType.DtFloat:
                if (tensor.FloatVal.Count > 0) value = tensor.FloatVal[0];
                else if (content.Length >= 4) value = BinaryPrimitives.ReadSingleLittleEndian(content);
                else return false;
                return true;
            case DataType.DtDouble:
                if (tensor.DoubleVal.Count > 0) value = tensor.DoubleVal[0];
                else if (content.Length >= 8) value = BinaryPrimitives.ReadDoubleLittleEndian(content);
                else return false;
                return true;
            case DataType.DtHalf:
                // The 16-bit pattern sits in the low bits of an int32 in half_val.
                if (tensor.HalfVal.Count > 0) value = (double)BitConverter.UInt16BitsToHalf((ushort)tensor.HalfVal[0]);
                else if (content.Length >= 2) value = (double)BinaryPrimitives.ReadHalfLittleEndian(content);
                else return false;
                return true;
            case DataType.DtBfloat16:
                // bfloat16 is the upper half of a float32.
                int bits;
                if (tensor.HalfVal.Count > 0) bits = tensor.HalfVal[0] & 0xFFFF;
                else if (content.Length >= 2) bits = BinaryPrimitives.ReadUInt16LittleEndian(content);
                else return false;
                value = BitConverter.Int32BitsToSingle(bits << 16);
                return true;
            case DataType.DtInt32 or DataType.DtInt16 or DataType.DtInt8:
                if (tensor.IntVal.Count > 0) value = tensor.IntVal[0];
                else if (content.Length >= 4 && tensor.Dtype == DataType.DtInt32) value = BinaryPrimitives.ReadInt32LittleEndian(content);
                else if (content.Length >= 2 && tensor.Dtype == DataType.DtInt16) value = BinaryPrimitives.ReadInt16LittleEndian(content);
                else if (content.Length >= 1 && tensor.Dtype == DataType.DtInt8) value = (sbyte)content[0];
                else return false;
                return true;
            case DataType.DtUint8 or DataType.DtUint16:
                if (tensor.IntVal.Count > 0) value = tensor.IntVal[0];
                else if (content.Length >= 2 && tensor.Dtype == DataType.DtUint16) value = BinaryPrimitives.ReadUInt16LittleEndian(content);
                else if (content.Length >= 1 && tensor.Dtype == DataType.DtUint8) value = content[0];
                else return false;
                return true;
            case DataType.DtInt64:
                if (tensor.Int64Val.Count > 0) value = tensor.Int64Val[0];
                else if (content.Length >= 8) value = BinaryPrimitives.ReadInt64LittleEndian(content);
                else return false;
                return true;
            case DataType.DtUint32:
                if (content.Length < 4) return false;
                value = BinaryPrimitives.ReadUInt32LittleEndian(content);
                return true;
            case DataType.DtUint64:
                if (content.Length < 8) return false;
                value = BinaryPrimitives.ReadUInt64LittleEndian(content);
                return true;
            case DataType.DtBool:
                if (tensor.BoolVal.Count > 0) value = tensor.BoolVal[0] ? 1 : 0;
                else if (content.Length >= 1) value = content[0] != 0 ? 1 : 0;
                else return false;
                return true;
            default:
                return false;
        }
    }

    private static bool FirstRecordIsEvent(byte[] head)
    {
        using var reader = new MemoryStream(head, writable: false);
        var record = new TfRecordReader(reader).Next();
        if (record is null) return false;
        try
        {
            return Event.Parser.ParseFrom(record.Value.Data).FileVersion.StartsWith("brain.Event", StringComparison.Ordinal);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }
}

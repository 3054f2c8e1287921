using System.Buffers.Binary;
using Google.Protobuf;
using RunDashboard.Core.Ingest.Archives.Protos;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest.Archives;

public class TfEventsFormatTests
{
    private const string EventFile = "events.out.tfevents.1700000000.host.1234.0";

    [Fact]
    public void Reads_scalars_of_a_pytorch_summary_writer_file()
    {
        var file = new TfEventsWriter();
        for (var step = 10; step <= 30; step += 10)
        {
            file.Scalar("train/loss", step, 2.0f / step, wallTime: 1_700_000_000 + step);
            file.Scalar("train/learning_rate", step, 1e-4f);
        }
        file.Scalar("eval/loss", 30, 0.25f);

        var (import, sink) = Parse.Bytes(EventFile, file.ToArray());

        Assert.True(import.Succeeded, import.Error);
        Assert.Equal("tensorboard", import.Format);
        var run = Assert.Single(import.Runs);
        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([10L, 20, 30], steps);
        Assert.Equal(0.1, values[1], 6);
        Assert.Equal(3, sink.Series(run, MetricKeys.LearningRate).Steps.Length);
        Assert.Equal([30L], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Empty(import.Problems);
    }

    [Fact]
    public void Keeps_the_wall_time_of_each_event_as_the_point_time()
    {
        var file = new TfEventsWriter().Scalar("loss", 1, 1f, wallTime: 1_700_000_123.5).Scalar("loss", 2, 0.5f, wallTime: 1_700_000_124.5);
        var times = new List<double>();
        var import = Core.Ingest.Ingestor.CreateDefault().Ingest(EventFile, () => new MemoryStream(file.ToArray()), new TimeSink(times));

        Assert.True(import.Succeeded, import.Error);
        Assert.Equal([1_700_000_123.5, 1_700_000_124.5], times);
    }

    [Fact]
    public void Reads_tf2_scalar_tensors_of_float_double_half_and_packed_bytes()
    {
        var packed = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(packed, 0.125);
        var file = new TfEventsWriter()
            .Tensor("epoch_loss", 0, TfEventsWriter.FloatScalar(0.5f))
            .Tensor("epoch_loss", 1, new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto(), DoubleVal = { 0.25 } })
            .Tensor("epoch_loss", 2, new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto(), TensorContent = ByteString.CopyFrom(packed) })
            .Tensor("epoch_loss", 3, new TensorProto { Dtype = DataType.DtHalf, TensorShape = new TensorShapeProto(), HalfVal = { BitConverter.HalfToUInt16Bits((Half)0.0625) } });

        var (import, sink) = Parse.Bytes(EventFile, file.ToArray());

        var run = Assert.Single(import.Runs);
        Assert.Equal([0.5, 0.25, 0.125, 0.0625], sink.Series(run, "train/epoch_loss").Values);
    }

    [Fact]
    public void The_end_of_training_scalars_of_the_hf_trainer_are_the_summary_not_points()
    {
        var file = new TfEventsWriter()
            .Scalar("train/loss", 10, 1.5f).Scalar("train/loss", 20, 1.0f)
            .Scalar("train/train_loss", 20, 1.25f).Scalar("train/train_runtime", 20, 42f)
            .Scalar("train/train_samples_per_second", 20, 8f).Scalar("train/train_steps_per_second", 20, 0.5f).Scalar("train/total_flos", 20, 1e12f);

        var (import, sink) = Parse.Bytes(EventFile, file.ToArray());

        var run = Assert.Single(import.Runs);
        Assert.Equal(1.25, run.Summary["train_loss"]);
        Assert.Equal(42, run.Summary["train_runtime"]);
        Assert.Equal(1e12, run.Summary["total_flos"], 1e6);
        Assert.Equal(5, run.Summary.Count);
        Assert.Equal([1.5, 1.0], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.Single(run.Series);
    }

    [Fact]
    public void Non_scalar_summaries_are_skipped_and_counted_in_a_note()
    {
        var histogram = new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 30 }, new TensorShapeProto.Types.Dim { Size = 3 } } } };
        var text = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto(), StringVal = { ByteString.CopyFromUtf8("{\"lr\": 0.1}") } };
        var file = new TfEventsWriter()
            .Scalar("loss", 1, 1f)
            .Tensor("weights", 1, histogram, plugin: "histograms")
            .Tensor("args/text_summary", 0, text, plugin: "text")
            .Add(new Event { Step = 1, Summary = new Summary { Value = { new Summary.Types.Value { Tag = "sample", Image = ByteString.CopyFrom(1, 2, 3) } } } });

        var (import, _) = Parse.Bytes(EventFile, file.ToArray());

        var run = Assert.Single(import.Runs);
        Assert.Single(run.Series);
        Assert.Contains(import.Notes, n => n.Contains("skipped 3 non-scalar summaries") && n.Contains("1 histograms") && n.Contains("1 images") && n.Contains("1 text"));
    }

    [Fact]
    public void A_record_with_a_bad_data_crc_is_skipped_and_reported_with_its_byte_offset()
    {
        var file = new TfEventsWriter().Scalar("loss", 1, 1f);
        var broken = file.Offset;
        file.Scalar("loss", 2, 0.5f).Scalar("loss", 3, 0.25f);
        var bytes = file.ToArray();
        bytes[broken + 12 + 3] ^= 0xFF; // a data byte of the second scalar record

        var (import, sink) = Parse.Bytes(EventFile, bytes);

        var run = Assert.Single(import.Runs);
        Assert.Equal([1L, 3], sink.Series(run, MetricKeys.TrainLoss).Steps);
        var problem = Assert.Single(import.Problems);
        Assert.Contains($"record at byte {broken}", problem.Message);
        Assert.Contains("data CRC", problem.Message);
    }

    [Fact]
    public void A_truncated_last_record_stops_the_reading_and_is_reported_with_its_byte_offset()
    {
        var file = new TfEventsWriter().Scalar("loss", 1, 1f).Scalar("loss", 2, 0.5f);
        var last = file.Offset;
        file.Scalar("loss", 3, 0.25f);
        var bytes = file.ToArray()[..^6];

        var (import, sink) = Parse.Bytes(EventFile, bytes);

        var run = Assert.Single(import.Runs);
        Assert.Equal([1L, 2], sink.Series(run, MetricKeys.TrainLoss).Steps);
        var problem = Assert.Single(import.Problems);
        Assert.Contains($"record at byte {last}", problem.Message);
        Assert.Contains("truncated", problem.Message);
    }

    [Fact]
    public void A_bad_length_crc_stops_the_reading_where_it_is()
    {
        var file = new TfEventsWriter().Scalar("loss", 1, 1f);
        var broken = file.Offset;
        file.Scalar("loss", 2, 0.5f);
        var bytes = file.ToArray();
        bytes[broken + 8] ^= 0x01;

        var (import, sink) = Parse.Bytes(EventFile, bytes);

        Assert.Equal([1L], sink.Series(Assert.Single(import.Runs), MetricKeys.TrainLoss).Steps);
        Assert.Contains(import.Problems, p => p.Message.Contains($"length of the record at byte {broken} fails its CRC check"));
    }

    [Fact]
    public void Garbage_named_like_an_event_file_fails_with_a_problem_instead_of_a_crash()
    {
        var random = new Random(12);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);

            var (import, _) = Parse.Bytes(EventFile, bytes);

            Assert.False(import.Succeeded);
            Assert.NotNull(import.Error);
        }
    }

    [Fact]
    public void Is_recognised_by_its_framing_without_its_name()
    {
        var file = new TfEventsWriter().Scalar("loss", 1, 1f);

        var (import, _) = Parse.Bytes("upload.bin", file.ToArray());

        Assert.True(import.Succeeded, import.Error);
        Assert.Equal("tensorboard", import.Format);
        Assert.Contains("first record is a TensorBoard event", import.FormatReason);
    }

    [Fact]
    public void Other_binary_files_are_still_refused()
    {
        var (import, _) = Parse.Bytes("weights.bin", [0, 1, 2, 3, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9]);

        Assert.Contains("is a binary file", import.Error);
    }

    [Fact]
    public void Validation_scalars_of_a_keras_run_folder_get_eval_keys()
    {
        var file = new TfEventsWriter().Tensor("epoch_loss", 0, TfEventsWriter.FloatScalar(0.7f)).Tensor("epoch_accuracy", 0, TfEventsWriter.FloatScalar(0.6f));

        var (import, sink) = Parse.Bytes("logs/run1/validation/" + EventFile, file.ToArray());

        var run = Assert.Single(import.Runs);
        Assert.Equal([MetricKeys.EvalLoss, "eval/accuracy"], run.Series.Select(s => s.Key));
        Assert.Equal("validation/epoch_loss", run.Series[0].Alias);
        Assert.Equal([0.7], sink.Series(run, MetricKeys.EvalLoss).Values.Select(v => Math.Round(v, 6)));
    }

    [Fact]
    public void Reads_the_scalars_of_real_keras_event_files()
    {
        // Counts from tools/tfevents_count.py, which walks the framing with Python's standard library.
        const string folder = "real/archives/tensorboard/imdb-model-1690485351/";
        var (train, trainSink) = Parse.File(folder + "train/events.out.tfevents.1690485354.e-bnbobg-5l77j-0.80091.0.v2");
        var (validation, validationSink) = Parse.File(folder + "validation/events.out.tfevents.1690485359.e-bnbobg-5l77j-0.80091.1.v2");

        Assert.True(train.Succeeded, train.Error);
        var run = Assert.Single(train.Runs);
        Assert.Equal(20, trainSink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.Equal(20, trainSink.Series(run, "train/accuracy").Steps.Length);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), trainSink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Contains(train.Notes, n => n.Contains("read 43 TFRecord records"));
        Assert.Contains(train.Notes, n => n.Contains("skipped 2 non-scalar summaries"));
        Assert.Empty(train.Problems);

        var eval = Assert.Single(validation.Runs);
        Assert.Equal(4, eval.Series.Count);
        Assert.All(eval.Series, s => Assert.Equal(20, s.Count));
        Assert.Contains(validation.Notes, n => n.Contains("read 81 TFRecord records"));
        Assert.Equal(20, validationSink.Series(eval, MetricKeys.EvalLoss).Steps.Length);
    }

    /// <summary>Keeps the time of every point written.</summary>
    private sealed class TimeSink(List<double> times) : Core.Ingest.IChunkSink
    {
        public void Write(Core.Ingest.RunDraft run, SeriesChunk chunk)
        {
            for (var i = 0; i < chunk.Count; i++) times.Add(chunk.Times![i]);
        }

        public void Discard(Core.Ingest.RunDraft run, string key, int fromSequence) { }
    }
}

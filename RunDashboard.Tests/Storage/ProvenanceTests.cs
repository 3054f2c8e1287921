using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>The raw line behind a point, found again in the stored upload.</summary>
public class ProvenanceTests : ImportingStoreTests
{

    private readonly ProvenanceService _provenance;

    public ProvenanceTests() : base("provenance.db")
    {
        _provenance = new ProvenanceService(Store, Ingestor.CreateDefault());
    }

    private Run Import(string fixture) =>
        Imports.ImportAsync([new UploadFile(Path.GetFileName(fixture), () => Fixture.Open(fixture))], new UploadOptions()).GetAwaiter().GetResult().Runs[0];

    [Fact]
    public void A_train_loss_point_comes_back_as_its_line_with_three_lines_either_side()
    {
        var run = Import("mlx_lm_lora_run3.log");

        var answer = _provenance.Find(run.Id, MetricKeys.TrainLoss, 100);

        Assert.Equal("mlx_lm_lora_run3.log", answer.File);
        Assert.Equal(9, answer.Line!.Line);
        Assert.StartsWith("Iter 100: Train loss 1.987", answer.Line.Text);
        Assert.Equal([6, 7, 8, 9, 10, 11, 12], answer.Context.Select(c => c.Line));
        Assert.Equal("parsed again", answer.Method);
    }

    [Fact]
    public void An_eval_point_at_a_step_shared_with_train_finds_the_eval_line()
    {
        var run = Import("mlx_lm_lora_run3.log");

        Assert.StartsWith("Iter 200: Val loss 2.069", _provenance.Find(run.Id, MetricKeys.EvalLoss, 200).Line!.Text);
    }

    [Fact]
    public void A_dict_line_without_a_step_is_found_by_reading_again()
    {
        // LLaMA-Factory prints {'loss': …} dicts with no step; the reader counts the steps.
        var run = Import("real/seen/llamafactory_deepseek7b_running_log.txt");
        var steps = Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Steps;

        Assert.Contains("{'loss': 2.2818,", _provenance.Find(run.Id, MetricKeys.TrainLoss, steps[0]).Line!.Text);
        Assert.Contains("{'loss': 2.2647,", _provenance.Find(run.Id, MetricKeys.TrainLoss, steps[1]).Line!.Text);
    }

    [Fact]
    public void A_json_document_is_searched_for_the_line_printing_the_value()
    {
        var run = Import("trainer_state.json");
        var series = Store.GetSeries(run.Id, MetricKeys.TrainLoss)!;

        var answer = _provenance.Find(run.Id, MetricKeys.TrainLoss, series.Steps[1]);

        Assert.Contains("\"loss\"", answer.Line!.Text);
        Assert.Contains(series.Values[1].ToString("R", System.Globalization.CultureInfo.InvariantCulture), answer.Line.Text);
        Assert.StartsWith("text search", answer.Method);
    }

    [Fact]
    public void A_missing_step_or_a_wandb_run_says_why_there_is_no_line()
    {
        var run = Import("mlx_lm_lora_run3.log");
        Assert.Contains("no point at step 101", _provenance.Find(run.Id, MetricKeys.TrainLoss, 101).Problem);

        using (var staged = Store.BeginImport())
        {
            staged.Commit([new Run { Id = "wandbrun0001", Name = "w", Source = RunSource.Wandb, Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss }] }], []);
        }
        var wandb = _provenance.Find("wandbrun0001", MetricKeys.TrainLoss, 1);
        Assert.True(wandb.RunFound);
        Assert.Contains("history rows are not stored", wandb.Problem);
    }
}

using RunDashboard.Core.Analysis.Health;
using Xunit.Abstractions;

namespace RunDashboard.Tests.Analysis.Corpus;

/// <summary>
/// The health rules over every real log of the corpus: the table of what they find, and no error on the runs that
/// are healthy by a reading of the log.
/// </summary>
[Collection(RealRunCollection.Name)]
public sealed class RealRunFindingsTests(RealRunStore store, ITestOutputHelper output)
{
    /// <summary>Logs that show a real problem, and what it is. Every other file of the corpus is a healthy run.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unhealthy = new Dictionary<string, string>
    {
        ["unseen/trl_kto_nan_rewards_issue1447.log"] = "the issue reports it: the KTO loss and rejected rewards are NaN from step 2",
        ["seen/keras_csvlogger_speaker250_training.log"] = "val loss is lowest after the first epoch and ends 3.3× the train loss: it overfits",
        ["unseen/fastai_tsai_nan_epochs_issue639.log"] = "the issue reports it: train and valid loss are nan from the first epoch",
    };

    /// <summary>Why the others count as healthy, by what their logs show.</summary>
    public static readonly IReadOnlyDictionary<string, string> HealthyBecause = new Dictionary<string, string>
    {
        ["seen/ms-swift_deepclima_logging.jsonl"] = "loss falls from 20.5 to about 0.14 and eval loss keeps falling (0.158 → 0.129); the tail is noisy around 0.09–0.17",
        ["unseen/hf_trainer_state_deepclima.json"] = "the same training as its trainer_state.json: the high first steps are the start of training",
        ["seen/modded-nanogpt_softcap_record.txt"] = "a speed-run record: its first eval (10.83 at step 0) is the untrained model, val loss then falls to 3.28",
        ["seen/llmc_gpt2_124m_main.log"] = "the schedule decays the rate to 0 at the end; lr:0.000000 on the last 346 steps is that end, and val loss reaches 3.27",
        ["seen/trl_dpo_clean_code_qwen.log"] = "cosine decay to 0 printed as 0 on its last step; margins rise",
        ["seen/ms-swift_gemma4_ds_full_epoch_stdout.log"] = "cosine decay to 0 over one epoch; the last steps print 0",
        ["unseen/torchtune_codellama7b_pr1358.log"] = "12 steps of a fine-tune with per-batch loss: 2.09 → about 1.0, noisy at 0.68–1.12",
    };

    [Fact]
    public void Prints_the_findings_table_and_healthy_runs_raise_no_error()
    {
        output.WriteLine($"{"file",-58} {"run",-4} {"E",2} {"W",2} {"I",2}  rules");
        var errors = new List<string>();
        foreach (var (file, runs) in store.Files)
        {
            for (var r = 0; r < runs.Count; r++)
            {
                var findings = store.Health.Findings(runs[r]);
                var counts = Enum.GetValues<Severity>().ToDictionary(s => s, s => findings.Count(f => f.Severity == s));
                var rules = string.Join(", ", findings.GroupBy(f => f.Rule).Select(g => g.Count() == 1 ? g.Key : $"{g.Key}×{g.Count()}"));
                output.WriteLine($"{file,-58} {r + 1,4} {counts[Severity.Error],2} {counts[Severity.Warning],2} {counts[Severity.Info],2}  {rules}");
                foreach (var f in findings.Where(f => f.Severity > Severity.Info)) output.WriteLine($"{"",66}{f.Severity}: {f.Message}");
                if (!Unhealthy.ContainsKey(file))
                {
                    errors.AddRange(findings.Where(f => f.Severity == Severity.Error).Select(f => $"{file} run {r + 1}: {f.Rule}: {f.Message}"));
                }
            }
        }
        foreach (var (file, reason) in Unhealthy) output.WriteLine($"unhealthy: {file}: {reason}");
        foreach (var (file, reason) in HealthyBecause) output.WriteLine($"healthy: {file}: {reason}");
        Assert.True(store.Files.Count >= 30, "the whole corpus was imported");
        Assert.Empty(errors);
    }

    [Fact]
    public void The_unhealthy_runs_are_still_told_apart()
    {
        var kto = store.Files.Single(f => f.File == "unseen/trl_kto_nan_rewards_issue1447.log").Runs.Single();
        Assert.Contains(store.Health.Findings(kto), f => f.Severity == Severity.Error && f.Rule == "non-finite");
        var keras = store.Files.Single(f => f.File == "seen/keras_csvlogger_speaker250_training.log").Runs.Single();
        Assert.Contains(store.Health.Findings(keras), f => f.Rule == "final-metrics" && f.Severity == Severity.Warning);
    }
}

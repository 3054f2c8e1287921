using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RunDashboard.Tests.Components;

/// <summary>
/// A comparison file of four runs: two learning rates, each trained with two seeds (the second run of the higher
/// rate stopped early). Written here, so the tests state the numbers they check.
/// </summary>
public static class SeedSweep
{
    public const string FileName = "seed_sweep_comparison.json";

    /// <summary>Run name, learning rate, seed, offset of its loss from its setting's curve, last step.</summary>
    public static readonly (string Name, string Lr, int Seed, double Offset, int LastStep)[] Runs =
    [
        ("sweep-lr1e-5-s1", "1e-05", 1, 0.08, 1000),
        ("sweep-lr1e-5-s2", "1e-05", 2, -0.08, 1000),
        ("sweep-lr3e-5-s1", "3e-05", 1, 0.1, 1000),
        ("sweep-lr3e-5-s2", "3e-05", 2, -0.1, 800),
    ];

    public static double Loss(string lr, double offset, int step) =>
        (lr == "1e-05" ? 2.0 * Math.Exp(-step / 600.0) + 0.9 : 1.6 * Math.Exp(-step / 400.0) + 0.6) + offset;

    public static byte[] Bytes()
    {
        var runs = Runs.Select(r =>
        {
            var steps = Enumerable.Range(1, r.LastStep / 50).Select(i => i * 50).ToList();
            return new Dictionary<string, object>
            {
                ["run_name"] = r.Name,
                ["run_path"] = "/models/" + r.Name,
                ["timestamp"] = "2025-11-11T18:00:00",
                ["hyperparameters"] = new Dictionary<string, object>
                {
                    ["model"] = "HuggingFaceTB/SmolLM3-3B",
                    ["learning_rate"] = double.Parse(r.Lr, CultureInfo.InvariantCulture),
                    ["batch_size"] = 2,
                    ["seed"] = r.Seed,
                    ["output_dir"] = "/models/" + r.Name,
                    ["optimizer"] = r.Lr == "1e-05" ? "adamw" : "lion",
                },
                ["training_metrics"] = new Dictionary<string, object>
                {
                    ["iterations"] = steps,
                    ["train_loss"] = steps.Select(s => Math.Round(Loss(r.Lr, r.Offset, s), 4)).ToList(),
                    ["val_loss"] = steps.Select(s => Math.Round(Loss(r.Lr, r.Offset, s) + 0.1, 4)).ToList(),
                },
                ["final_metrics"] = new Dictionary<string, object>(),
            };
        }).ToList();
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object> { ["timestamp"] = "2025-11-11T18:05:00", ["runs"] = runs }));
    }
}

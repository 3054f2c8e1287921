using System.Globalization;
using Microsoft.AspNetCore.Components;
using RunDashboard.Components.Charts;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Runs;

/// <summary>
/// Where the run's loss is heading: eval loss when the run has it, else train loss, forecast to the run's configured
/// total steps. Shows nothing when there is no forecast (no total in the settings, too few points).
/// </summary>
public partial class ForecastPanel
{
    [Inject] private ForecastService Forecasts { get; set; } = null!;

    [Parameter, EditorRequired] public Run Run { get; set; } = null!;

    /// <summary>The run's data version: a new one reads the forecast again.</summary>
    [Parameter] public int Version { get; set; }

    private ForecastChart? _chart;
    private IReadOnlyList<ChartTrace> _traces = [];
    private (string, int)? _shown;

    protected override void OnParametersSet()
    {
        if (_shown == (Run.Id, Version)) return;
        _shown = (Run.Id, Version);
        _chart = null;
        foreach (var key in new[] { MetricKeys.EvalLoss, MetricKeys.TrainLoss })
        {
            if (Run.FindMetric(key) is not null && Forecasts.Chart(Run.Id, key) is { } chart)
            {
                _chart = chart;
                break;
            }
        }
        _traces = _chart is { } c
            ? [
                new ChartTrace(c.View.Key, c.ObservedX, c.ObservedY, Color: ChartColors.ForRun(0)),
                new ChartTrace("forecast", c.X, c.Y, Color: ChartColors.ForRun(0)) { Dash = "dash", BandMin = c.Low, BandMax = c.High, Width = 2 },
            ]
            : [];
    }

    private static string Caption(ForecastView v)
    {
        static string N(double x) => NumberFormat.Value(x, 4);
        if (v.LastStep >= v.AtStep)
        {
            return $"The run reached its configured end (step {NumberFormat.Count(v.AtStep)}, {v.TotalFrom}) at {N(v.LastValue)}; the fitted {v.Model} {v.Formula} gives {N(v.Predicted)} there (band {N(v.Low)}–{N(v.High)}).";
        }
        var eta = v.EtaText is { } e ? $" · about {e} left ({v.EtaFrom})" : "";
        return $"{N(v.Predicted)} at step {NumberFormat.Count(v.AtStep)} ({v.TotalFrom}), band {N(v.Low)}–{N(v.High)} · {v.Model} {v.Formula}, fitted to {NumberFormat.Count(v.Points)} points up to step {NumberFormat.Count(v.LastStep)}{eta}.";
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Plotly.Blazor;

namespace RunDashboard.Components.Charts;

/// <summary>
/// A chart's Plotly figure (data, layout, config) as the JSON that Plotly.Blazor sends to <c>Plotly.newPlot</c>:
/// nulls left out, each trace written as its own type (Plotly.Blazor's own options do the same; its enums and
/// property names come from attributes on its types), so a figure drawn from this JSON is the live chart's.
/// </summary>
public static class PlotlyFigure
{
    // The default encoder writes <, >, & and ' as \u escapes, so the JSON holds no character that could end a
    // script element or start markup: it can be put inside <script type="application/json"> as it is.
    private static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Json(IEnumerable<ITrace> data, Plotly.Blazor.Layout layout, Config config) =>
        JsonSerializer.Serialize(new Figure(data.Cast<object>().ToList(), layout, config), Options);

    private sealed record Figure(
        [property: JsonPropertyName("data")] IReadOnlyList<object> Data,
        [property: JsonPropertyName("layout")] Plotly.Blazor.Layout Layout,
        [property: JsonPropertyName("config")] Config Config);
}

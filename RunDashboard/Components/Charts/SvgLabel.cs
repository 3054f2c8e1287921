using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace RunDashboard.Components.Charts;

/// <summary>
/// An SVG <c>text</c> element, with an optional hover <c>title</c>. Written in C# because Razor reads a
/// <c>&lt;text&gt;</c> tag inside code as its own marker, not as SVG. Content is added as text, never as markup.
/// </summary>
public sealed class SvgLabel : ComponentBase
{
    [Parameter] public double X { get; set; }
    [Parameter] public double Y { get; set; }
    [Parameter] public string Text { get; set; } = "";
    [Parameter] public string? Title { get; set; }
    [Parameter] public string Anchor { get; set; } = "start";
    [Parameter] public int Size { get; set; } = 11;
    [Parameter] public string Fill { get; set; } = "currentColor";
    /// <summary>A outline in the background colour drawn under the letters, so a label stays readable across the lines it sits on.</summary>
    [Parameter] public string? Halo { get; set; }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "text");
        builder.AddAttribute(1, "x", X.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture));
        builder.AddAttribute(2, "y", Y.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture));
        builder.AddAttribute(3, "text-anchor", Anchor);
        builder.AddAttribute(4, "font-size", Size);
        builder.AddAttribute(5, "fill", Fill);
        if (Halo is not null)
        {
            builder.AddAttribute(9, "stroke", Halo);
            builder.AddAttribute(10, "stroke-width", 4);
            builder.AddAttribute(11, "paint-order", "stroke");
            builder.AddAttribute(12, "stroke-linejoin", "round");
        }
        if (Title is not null)
        {
            builder.OpenElement(6, "title");
            builder.AddContent(7, Title);
            builder.CloseElement();
        }
        builder.AddContent(8, Text);
        builder.CloseElement();
    }
}

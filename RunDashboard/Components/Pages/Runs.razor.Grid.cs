using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace RunDashboard.Components.Pages;

/// <summary>
/// A <see cref="MudDataGrid{T}"/> whose server data is asked for before its first render. MudDataGrid asks for it
/// after its first render, which a prerender never reaches: the page's HTML would hold an empty table until the
/// live connection came up, and the live page would then draw "no runs" over the prerendered rows for a moment.
/// Asked here, the first page of rows is in the HTML and in the live page's first render.
/// </summary>
[CascadingTypeParameter(nameof(T))]
public sealed class PrerenderedDataGrid<T> : MudDataGrid<T>
{
    protected override async Task OnInitializedAsync()
    {
        await base.OnInitializedAsync();
        if (ServerData is not null) await ReloadServerData();
    }
}

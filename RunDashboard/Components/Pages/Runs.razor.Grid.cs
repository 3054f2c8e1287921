using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace RunDashboard.Components.Pages;

/// <summary>
/// A <see cref="MudDataGrid{T}"/> whose server data is also asked for while prerendering. MudDataGrid asks for it
/// after its first render, which a prerender never reaches, so the page's HTML would hold an empty table until the
/// live connection came up; asked here, the first page of rows is in the HTML itself.
/// </summary>
[CascadingTypeParameter(nameof(T))]
public sealed class PrerenderedDataGrid<T> : MudDataGrid<T>
{
    protected override async Task OnInitializedAsync()
    {
        await base.OnInitializedAsync();
        if (!RendererInfo.IsInteractive && ServerData is not null) await ReloadServerData();
    }
}

using Microsoft.AspNetCore.Components;

namespace RunDashboard.ViewState;

/// <summary>
/// The one place pages write their state to the query string (pages read it with
/// <c>[SupplyParameterFromQuery]</c>). Replacing the history entry keeps Back meaning "the page before", and an
/// absent value removes its parameter so defaults never clutter a link.
/// </summary>
public static class UrlState
{
    public static void Replace(NavigationManager nav, params (string Name, string? Value)[] changes) =>
        nav.NavigateTo(nav.GetUriWithQueryParameters(changes.ToDictionary(c => c.Name, c => (object?)c.Value)), replace: true);

    /// <summary>The address of the current view relative to the app, e.g. <c>/compare?runs=a,b&amp;smooth=0.80</c>.</summary>
    public static string PathAndQuery(NavigationManager nav) => "/" + nav.ToBaseRelativePath(nav.Uri);
}

namespace RunDashboard.Security;

/// <summary>
/// Blazor's circuit (<c>/_blazor</c>: negotiate POST and WebSocket) carries the page's writes (upload form, delete,
/// sync buttons); a page on another origin must not open one in the visitor's name.
/// </summary>
public static class SameOriginCircuits
{
    public static IApplicationBuilder UseSameOriginCircuits(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/_blazor") && SameOriginFilter.CrossOriginReason(context.Request) is { } why)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync(why);
        }
        return next(context);
    });
}

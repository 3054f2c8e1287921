namespace RunDashboard.Endpoints;

/// <summary>
/// Answers HEAD wherever GET is answered (pages, previews, short links): link unfurlers and uptime checks send HEAD
/// first. The request is routed as a GET; Kestrel never sends a body in answer to a HEAD, so only headers go out.
/// </summary>
public static class HeadRequests
{
    /// <summary>Must come before routing, which picks the endpoint by method.</summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (HttpMethods.IsHead(context.Request.Method)) context.Request.Method = HttpMethods.Get;
            return next(context);
        });
}

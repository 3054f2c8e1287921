namespace RunDashboard.Security;

/// <summary>
/// Refuses writes a browser sends on behalf of another site (CSRF), in every auth mode. A request with a bearer
/// token is a script's own and passes; otherwise a browser's <c>Sec-Fetch-Site</c> must be <c>same-origin</c>
/// or <c>none</c> (typed or bookmarked), and an <c>Origin</c>, when sent, must be this dashboard's. curl sends
/// neither header and passes, so <c>Auth:Mode=None</c> keeps working for scripts.
/// </summary>
public sealed class SameOriginFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var why = CrossOriginReason(context.HttpContext.Request);
        if (why is not null)
        {
            return Results.Problem(title: "Cross-origin write refused", detail: why, statusCode: StatusCodes.Status403Forbidden);
        }
        return await next(context);
    }

    public static string? CrossOriginReason(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return $"the browser says this request comes from another site (Sec-Fetch-Site: {site}); writes are accepted from the dashboard's own pages or with a bearer token";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
        {
            return "the request's Origin is not this dashboard; writes are accepted from the dashboard's own pages or with a bearer token";
        }
        return null;
    }

    private static bool SameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var o)) return false;
        var own = $"{request.Scheme}://{request.Host.Value}";
        return Uri.TryCreate(own, UriKind.Absolute, out var s)
               && string.Equals(o.Scheme, s.Scheme, StringComparison.OrdinalIgnoreCase)
               && string.Equals(o.Host, s.Host, StringComparison.OrdinalIgnoreCase) && o.Port == s.Port;
    }
}

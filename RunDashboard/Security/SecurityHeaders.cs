using Microsoft.Extensions.Options;
using RunDashboard.Configuration;

namespace RunDashboard.Security;

/// <summary>Headers every answer carries (pages, API, previews, static files, errors): set before anything runs.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// <c>script-src 'self'</c>: Blazor's own scripts, MudBlazor's and Plotly's are files served from here; no inline
    /// script is used. <c>'wasm-unsafe-eval'</c> is not needed (Blazor Server, no WebAssembly). Plotly and MudBlazor set
    /// inline <c>style</c> attributes and inject style elements, hence <c>style-src 'self' 'unsafe-inline'</c>; Plotly draws
    /// markers from <c>data:</c> URIs only for images, hence <c>img-src 'self' data:</c>. Blazor's circuit is a WebSocket
    /// back to this host (<c>connect-src 'self'</c>, which covers ws: and wss: of the same host in current browsers).
    /// </summary>
    public static string ContentSecurityPolicy(string frameAncestors) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors " + frameAncestors;

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var csp = ContentSecurityPolicy(options.FrameAncestors);
        return app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = csp;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (options.FrameAncestors.Trim() == "'none'") headers.XFrameOptions = "DENY";
            return next(context);
        });
    }
}

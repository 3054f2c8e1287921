using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using RunDashboard.Configuration;

namespace RunDashboard.Security;

public static class SecurityServices
{
    /// <summary>
    /// ASP.NET Core authentication (bearer token for scripts, a cookie for browsers that signed in at /signin) and
    /// the Read/Write policies. Every endpoint without its own policy needs Read (open unless Auth:ReadRequiresToken).
    /// </summary>
    public static IServiceCollection AddDashboardSecurity(this IServiceCollection services)
    {
        services.AddSingleton<TokenVerifier>();
        // Antiforgery would add "X-Frame-Options: SAMEORIGIN"; framing is Dashboard:FrameAncestors' decision (SecurityHeaders).
        services.Configure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(o => o.SuppressXFrameOptionsHeader = true);
        services.AddSingleton<IAuthorizationHandler, AccessHandler>();
        services.AddAuthentication(AccessPolicies.Scheme)
            .AddPolicyScheme(AccessPolicies.Scheme, "bearer token or sign-in cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? AccessPolicies.BearerScheme : AccessPolicies.CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(AccessPolicies.BearerScheme, null)
            .AddCookie(AccessPolicies.CookieScheme, o =>
            {
                o.Cookie.Name = AccessPolicies.CookieName;
                o.Cookie.HttpOnly = true;
                // Lax: a link pasted in chat opens signed in; a form another site posts here arrives without the cookie.
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = context => IsApi(context.Request)
                    ? Problem(context.HttpContext, StatusCodes.Status401Unauthorized, "Token required",
                        "This dashboard runs with Auth:Mode=Token: send 'Authorization: Bearer <token>' (or sign in at /signin in a browser).")
                    : Redirect(context);
                o.Events.OnRedirectToAccessDenied = context =>
                    Problem(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "this token may not do that");
            });
        services.AddOptions<CookieAuthenticationOptions>(AccessPolicies.CookieScheme)
            .Configure<IOptions<AuthOptions>>((cookie, auth) => cookie.ExpireTimeSpan = auth.Value.CookieLifetime);
        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Read, AccessPolicies.ReadPolicy)
            .AddPolicy(AccessPolicies.Write, AccessPolicies.WritePolicy)
            .SetFallbackPolicy(AccessPolicies.ReadPolicy);
        return services;
    }

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/preview") || request.Path.StartsWithSegments("/s");

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task Problem(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer realm=\"RunDashboard\"";
        return Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(http);
    }
}

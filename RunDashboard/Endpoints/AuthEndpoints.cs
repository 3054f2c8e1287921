using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using RunDashboard.Security;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /signout</c>: forgets the sign-in cookie (a form with an antiforgery token; signing in is the /signin page).</summary>
public static class AuthEndpoints
{
    public static void MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(AccessPolicies.CookieScheme);
            return Results.LocalRedirect("/");
        }).AllowAnonymous().WithMetadata(new RequireAntiforgeryTokenAttribute());
    }
}

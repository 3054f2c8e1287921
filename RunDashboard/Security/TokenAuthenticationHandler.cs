using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using RunDashboard.Configuration;

namespace RunDashboard.Security;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> for scripts (curl, training jobs). The token is hashed and compared
/// with the configured hashes in constant time; it is never logged. No header: no result, so the cookie of a
/// signed-in browser can still authenticate.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenVerifier verifier)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (header.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Authorization must be 'Bearer <token>'"));
        }
        var token = header["Bearer ".Length..].Trim();
        if (!verifier.Matches(token)) return Task.FromResult(AuthenticateResult.Fail("unknown token"));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(DashboardUser.Principal(Scheme.Name), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"RunDashboard\"";
        await Results.Problem(title: "Token required",
            detail: "This dashboard runs with Auth:Mode=Token: send 'Authorization: Bearer <token>' (or sign in at /signin in a browser).",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }
}

/// <summary>The configured token hashes (only hashes are kept after start).</summary>
public sealed class TokenVerifier(IOptions<AuthOptions> options)
{
    private readonly IReadOnlyList<byte[]> _hashes = options.Value.TokenHashes();

    public bool Matches(string token) => token.Length > 0 && TokenHash.Matches(token, _hashes);
}

/// <summary>The one identity a token grants: someone allowed to write.</summary>
public static class DashboardUser
{
    public const string Name = "token holder";

    public static ClaimsPrincipal Principal(string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, Name)], scheme));
}

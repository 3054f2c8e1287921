using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using RunDashboard.Configuration;

namespace RunDashboard.Security;

/// <summary>
/// The two things a request may want: to read (pages, GET API, previews) or to write (upload, re-import,
/// delete, sync, sync settings). With <c>Auth:Mode=None</c> both are open; with <c>Token</c> writing needs a
/// token (bearer or signed-in cookie), and reading too when <c>Auth:ReadRequiresToken</c>.
/// </summary>
public static class AccessPolicies
{
    public const string Read = "Read";
    public const string Write = "Write";

    /// <summary>The bearer handler and the sign-in cookie, picked by whether the request carries an Authorization header.</summary>
    public const string Scheme = "Dashboard";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "Cookie";
    public const string CookieName = "rd-auth";

    public static AuthorizationPolicy ReadPolicy { get; } = new AuthorizationPolicyBuilder(Scheme).AddRequirements(new AccessRequirement(write: false)).Build();
    public static AuthorizationPolicy WritePolicy { get; } = new AuthorizationPolicyBuilder(Scheme).AddRequirements(new AccessRequirement(write: true)).Build();
}

public sealed class AccessRequirement(bool write) : IAuthorizationRequirement
{
    public bool IsWrite { get; } = write;
}

public sealed class AccessHandler(IOptions<AuthOptions> options) : AuthorizationHandler<AccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        var auth = options.Value;
        var needsToken = auth.Mode == AuthMode.Token && (requirement.IsWrite || auth.ReadRequiresToken);
        if (!needsToken || context.User.Identity?.IsAuthenticated == true) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

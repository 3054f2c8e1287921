using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using RunDashboard.Security;

namespace RunDashboard.Components.Security;

/// <summary>
/// The check a component's write action makes on the server before it acts (upload, delete, sync): the same Write
/// policy as the API, against the circuit's user. Hiding a button is not enough; the handler asks again.
/// </summary>
public sealed class WriteAccess(AuthenticationStateProvider authentication, IAuthorizationService authorization)
{
    public async Task<bool> AllowedAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return (await authorization.AuthorizeAsync(state.User, AccessPolicies.Write)).Succeeded;
    }
}
